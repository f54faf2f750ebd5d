"""Import speed: a ~10 MB notes corpus into a fresh database.

Builds the corpus from the sample notes (when ../shared is present) and the shipped content/,
repeated under distinct top headings, split into files under the per-file size cap. Measures in
one run, on this machine:
- the first import (MB/s), and its ratio to `markdown.markdown()` rendering the same text;
- an unchanged re-import, as a ratio to the first import.

Run: `python bench/import.py [--mb 10]`. Prints the figures, then one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "notes" / "aws-big-data-specialty.md"
FILE_BYTES = 1_000_000  # well under the importer's per-file cap


def build_corpus(folder: Path, target_bytes: int) -> list[Path]:
    sources = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").glob("*.md"))]
    if SAMPLE.is_file():
        sources.append(SAMPLE.read_text(encoding="utf-8-sig"))
    # Every heading moves one level down so each copy sits under its own top heading.
    demoted = [re.sub(r"^(#{1,5}) ", r"#\1 ", s, flags=re.M) for s in sources]
    files: list[Path] = []
    total, copy, chunk = 0, 0, []
    while total < target_bytes:
        for text in demoted:
            piece = f"# Corpus part {copy}\n\n{text}\n"
            chunk.append(piece)
            total += len(piece.encode())
            copy += 1
            if sum(len(c) for c in chunk) >= FILE_BYTES or total >= target_bytes:
                path = folder / f"corpus-{len(files):03d}.md"
                path.write_text("".join(chunk), encoding="utf-8")
                files.append(path)
                chunk = []
            if total >= target_bytes:
                break
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="notebank-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    # Production mode: with DEBUG on, Django also records every SQL statement it runs.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quiz.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import markdown
    from django.core.management import call_command

    from quiz.importing import import_notes
    from quiz.models import Card

    call_command("migrate", verbosity=0)
    (work / "notes").mkdir()
    files = build_corpus(work / "notes", int(args.mb * 1_000_000))
    size = sum(p.stat().st_size for p in files)
    text = "".join(p.read_text(encoding="utf-8") for p in files)

    start = time.perf_counter()
    first = import_notes(paths=[work / "notes"])
    first_s = time.perf_counter() - start
    assert first.ok, first.errors[:3]

    start = time.perf_counter()
    markdown.markdown(text, extensions=["fenced_code", "tables"])
    markdown_s = time.perf_counter() - start

    start = time.perf_counter()
    again = import_notes(paths=[work / "notes"])
    again_s = time.perf_counter() - start
    assert again.cards["unchanged"] == first.cards["created"], "re-import changed cards"

    cards = Card.objects.count()
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB, {cards} cards")
    print(f"first import: {first_s:.2f} s; markdown.markdown: {markdown_s:.2f} s")
    print(f"unchanged re-import: {again_s:.3f} s")
    print(
        json.dumps(
            {
                "mb_per_s": round(size / 1e6 / first_s, 3),
                "ratio_vs_markdown": round(first_s / markdown_s, 3),
                "ratio_reimport": round(again_s / first_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
