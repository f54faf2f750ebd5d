"""Benchmark: the FSRS optimizer on generated review logs with known properties.

    python bench/optimizer.py

A simulated learner whose memory follows other parameters than FSRS-6's defaults
(tests/reviewlog.py) studies with the defaults; the optimizer fits parameters to the log they
leave. Prints, for a small and a large log, log loss and RMSE (bins) of the defaults and of the
fitted parameters on that log, and the fit's time; ends with one JSON line. The baseline is the
defaults scored on the same log in the same run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quiz import scheduling  # noqa: E402
from tests.reviewlog import generate_log  # noqa: E402


def measure(cards: int, days: int, new_per_day: int) -> dict[str, float]:
    log = generate_log(cards=cards, days=days, new_per_day=new_per_day)
    answers = [
        scheduling.LoggedAnswer(a.card, a.at.date(), a.rating, a.state_before == 0) for a in log
    ]
    start = time.perf_counter()
    result = scheduling.fit_parameters(answers)
    seconds = time.perf_counter() - start
    return {
        "reviews": result.reviews,
        "log_loss_default": round(result.before.log_loss, 4),
        "log_loss_fitted": round(result.after.log_loss, 4),
        "rmse_default": round(result.before.rmse, 4),
        "rmse_fitted": round(result.after.rmse, 4),
        "fit_s": round(seconds, 2),
    }


def main() -> None:
    figures = {}
    for name, shape in {"small": (300, 120, 15), "large": (2000, 365, 20)}.items():
        figures[name] = row = measure(*shape)
        print(
            f"{name}: {row['reviews']:,} reviews; log loss {row['log_loss_default']} → "
            f"{row['log_loss_fitted']}, RMSE {row['rmse_default']} → {row['rmse_fitted']} "
            f"({row['fit_s']} s)"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
