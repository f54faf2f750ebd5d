"""The Kinesis Producer Library (KPL) pipeline, simulated: aggregation, rate limiting, collection
into PutRecords requests, shard routing and the shard-seconds Kinesis would throttle.

Follows the "KPL batching" section of ``docs/simulations.md``, which summarises the KPL C++ core
(``aws/kinesis/core/``: ``kinesis_record.cc``, ``reducer.h``, ``aggregator.h``, ``collector.h``,
``limiter.h``). Aggregated records are real bytes in the KPL aggregated format: magic
``F3 89 9A C2``, a protobuf ``AggregatedRecord`` encoded by hand here, and the MD5 of it.

Simplifications (each is stated in ``KPLResult.notes`` when it matters):
* Time is a simulated millisecond clock; every step takes no time.
* The reducer's 50 ms minimum buffer time (``kMinBufferTime``) is not modelled: a buffer is
  flushed exactly when its oldest user record has waited ``RecordMaxBufferedTime``.
* Throttled records are reported, not retried; Kinesis-side throttling is counted per shard
  and calendar second of send time (assumption: AWS does not document its exact window).
* The per-shard token buckets start full (assumption).
* A user record larger than AggregationMaxSize is sent alone at once (the KPL's reducer sends
  it alone too, but may hold it until the next add or deadline).

Faithful details worth knowing: the limiter sits between aggregation and collection, charges a
record's data size, and (like the collector's 256 KiB per-shard flush) only applies when the
KPL predicts shards, which it does only with aggregation on.
"""

from __future__ import annotations

import hashlib
import heapq
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

MAGIC = b"\xf3\x89\x9a\xc2"
DIGEST_SIZE = 16
FIXED_OVERHEAD = len(MAGIC) + DIGEST_SIZE  # 20 bytes: magic + MD5

# Kinesis Data Streams limits.
SHARD_RECORDS_PER_SECOND = 1000
SHARD_BYTES_PER_SECOND = 1024 * 1024
MAX_PARTITION_KEY_LENGTH = 256
# KPL's collector flushes when one shard has this much buffered (collector.h).
COLLECTOR_SHARD_FLUSH_BYTES = 256 * 1024
HASH_SPACE = 1 << 128

DOCS_ROUNDING_NOTE = (
    'The KDS developer guide says 1,000 records of 512 bytes aggregate into "only 10" records of '
    "50 KB; that rounds away the per-record protobuf overhead. This simulation follows the KPL "
    "code: with the default 51,200-byte AggregationMaxSize and a 2-byte partition key, 98 such "
    "records fit in one aggregated record, so 1,000 of them make 11."
)


class KPLConfigError(ValueError):
    """A bad KPL configuration key or value; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class KPLConfig:
    """KPL settings that shape batching, under their KPL names, with the defaults of
    ``default_config.properties``. Sizes in bytes, times in milliseconds."""

    AggregationEnabled: bool = True
    AggregationMaxCount: int = 4294967295
    AggregationMaxSize: int = 51200
    CollectionMaxCount: int = 500
    CollectionMaxSize: int = 5242880
    RecordMaxBufferedTime: int = 100
    RecordTtl: int = 30000
    RateLimit: int = 150
    MaxUserRecordSize: int = 1048576

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> KPLConfig:
        """Build from a dict of KPL keys (e.g. a JSON spec); unknown keys and wrong types raise
        ``KPLConfigError`` naming the key."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise KPLConfigError(key, f"unknown KPL setting (known: {', '.join(known)})")
            if key == "AggregationEnabled":
                if not isinstance(value, bool):
                    raise KPLConfigError(key, "must be true or false")
            else:
                # bool is an int subclass; true/false for a size is a mistake, not 1/0.
                if isinstance(value, bool) or not isinstance(value, int):
                    raise KPLConfigError(key, "must be an integer")
            kwargs[key] = value
        config = cls(**kwargs)
        config.validate()
        return config

    def validate(self) -> None:
        minimums = {
            "AggregationMaxCount": 1,
            "AggregationMaxSize": 64,
            "CollectionMaxCount": 1,
            "CollectionMaxSize": 52224,
            "RecordMaxBufferedTime": 0,
            "RecordTtl": 100,
            "RateLimit": 1,
            "MaxUserRecordSize": 1,
        }
        # Ranges from the KPL's configuration.h (where a limit exists there).
        maximums = {
            "AggregationMaxCount": 4294967295,
            "AggregationMaxSize": 1048576,
            "CollectionMaxCount": 500,
            "CollectionMaxSize": 9223372036854775807,
            "RateLimit": 9223372036854775807,
            "MaxUserRecordSize": 1048576,
        }
        for key, low in minimums.items():
            value = getattr(self, key)
            if value < low:
                raise KPLConfigError(key, f"must be >= {low}")
            high = maximums.get(key)
            if high is not None and value > high:
                raise KPLConfigError(key, f"must be <= {high}")


@dataclass(frozen=True)
class UserRecord:
    """What the application passes to ``addUserRecord``. ``at_ms`` is when it is added."""

    partition_key: str
    data: bytes
    at_ms: int = 0
    explicit_hash_key: int | None = None

    @property
    def hash_key(self) -> int:
        if self.explicit_hash_key is not None:
            return self.explicit_hash_key
        return partition_key_hash(self.partition_key)


@dataclass
class KinesisRecord:
    """A record as sent to Kinesis: either one user record as-is, or an aggregated record."""

    data: bytes
    partition_key: str
    explicit_hash_key: int | None
    shard: int
    user_records: tuple[int, ...]  # indexes into the input
    created_ms: int
    sent_ms: int | None = None

    @property
    def aggregated(self) -> bool:
        return len(self.user_records) > 1

    @property
    def request_bytes(self) -> int:
        # What it weighs in a PutRecords request and against the shard limit.
        return len(self.partition_key.encode()) + len(self.data)


@dataclass
class PutRecordsRequest:
    records: list[int]  # indexes into KPLResult.kinesis_records
    bytes: int
    sent_ms: int


@dataclass(frozen=True)
class ThrottledSecond:
    shard: int
    second: int
    records: int
    bytes: int


@dataclass
class KPLResult:
    kinesis_records: list[KinesisRecord]
    put_records: list[PutRecordsRequest]
    throttled: list[ThrottledSecond]
    rejected: list[tuple[int, str]] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)  # user record indexes past RecordTtl
    buffered: list[int] = field(default_factory=list)  # user records never sent
    notes: list[str] = field(default_factory=list)


# --- encoding --------------------------------------------------------------------------------


def partition_key_hash(partition_key: str) -> int:
    """MD5 of the partition key read as a big-endian 128-bit integer."""
    return int.from_bytes(hashlib.md5(partition_key.encode()).digest(), "big")


def shard_ending_hash_keys(shards: int) -> list[int]:
    """Ending hash keys of ``shards`` shards splitting the hash space evenly, as CreateStream
    does: shard ``i`` covers ``[i * 2**128 // n, (i + 1) * 2**128 // n - 1]``."""
    if shards < 1:
        raise ValueError("shards must be >= 1")
    return [(i + 1) * HASH_SPACE // shards - 1 for i in range(shards)]


def shard_for_hash(hash_key: int, ending_hash_keys: Sequence[int]) -> int:
    """The first shard whose ending hash key is >= the hash key."""
    return bisect_left(ending_hash_keys, hash_key)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint_size(n: int) -> int:
    size = 1
    while n >= 0x80:
        n >>= 7
        size += 1
    return size


def _length_delimited(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + varint(len(payload)) + payload


def encode_aggregated_record(records: Sequence[UserRecord]) -> bytes:
    """The KPL aggregated format: magic, protobuf ``AggregatedRecord``, MD5 of the protobuf.

    Only user-supplied explicit hash keys go into ``explicit_hash_key_table`` (as decimal
    strings), as the KPL does. Tables are zero-indexed in order of first appearance.
    """
    pk_index: dict[str, int] = {}
    ehk_index: dict[str, int] = {}
    body = bytearray()
    for ur in records:
        inner = bytearray()
        pki = pk_index.setdefault(ur.partition_key, len(pk_index))
        inner += b"\x08" + varint(pki)  # partition_key_index = 1, varint
        if ur.explicit_hash_key is not None:
            ehki = ehk_index.setdefault(str(ur.explicit_hash_key), len(ehk_index))
            inner += b"\x10" + varint(ehki)  # explicit_hash_key_index = 2, varint
        inner += _length_delimited(0x1A, ur.data)  # data = 3, bytes
        body += _length_delimited(0x1A, bytes(inner))  # records = 3
    proto = bytearray()
    for pk in pk_index:
        proto += _length_delimited(0x0A, pk.encode())  # partition_key_table = 1
    for ehk in ehk_index:
        proto += _length_delimited(0x12, ehk.encode())  # explicit_hash_key_table = 2
    proto += body
    return MAGIC + bytes(proto) + hashlib.md5(proto).digest()


def aggregated_prefix_sizes(records: Sequence[UserRecord]) -> list[int]:
    """Exact serialized size of the aggregated record made of the first ``k`` user records, for
    every ``k >= 1`` (index ``k - 1``). Computed without encoding, in one pass: removing
    records from the end (as the KPL does) leaves exactly such a prefix."""
    pk_index: dict[str, int] = {}
    ehk_index: dict[str, int] = {}
    size = FIXED_OVERHEAD
    out: list[int] = []
    for ur in records:
        pk = ur.partition_key
        pki = pk_index.get(pk)
        if pki is None:
            pki = pk_index[pk] = len(pk_index)
            n = len(pk.encode())
            size += 1 + varint_size(n) + n
        inner = 1 + varint_size(pki)
        if ur.explicit_hash_key is not None:
            ehk = str(ur.explicit_hash_key)
            ehki = ehk_index.get(ehk)
            if ehki is None:
                ehki = ehk_index[ehk] = len(ehk_index)
                size += 1 + varint_size(len(ehk)) + len(ehk)
            inner += 1 + varint_size(ehki)
        d = len(ur.data)
        inner += 1 + varint_size(d) + d
        size += 1 + varint_size(inner) + inner
        out.append(size)
    return out


# --- the pipeline ----------------------------------------------------------------------------


@dataclass
class _AggBuffer:
    """One shard's aggregation buffer (a KPL Reducer<UserRecord, KinesisRecord>)."""

    items: list[int] = field(default_factory=list)
    estimate: int = 0
    pk_counts: dict[str, int] = field(default_factory=dict)
    ehk_counts: dict[str, int] = field(default_factory=dict)
    version: int = 0

    def add(self, ur: UserRecord, index: int) -> None:
        # kinesis_record.cc after_add: data + 3, key + 3 the first time it appears, + 2.
        self.items.append(index)
        self.estimate += len(ur.data) + 3 + 2
        pk = ur.partition_key
        if pk not in self.pk_counts:
            self.pk_counts[pk] = 0
            self.estimate += len(pk.encode()) + 3
        self.pk_counts[pk] += 1
        if ur.explicit_hash_key is not None:
            ehk = str(ur.explicit_hash_key)
            if ehk not in self.ehk_counts:
                self.ehk_counts[ehk] = 0
                self.estimate += len(ehk) + 3
            self.ehk_counts[ehk] += 1
            self.estimate += 2

    def estimated_size(self, records: Sequence[UserRecord]) -> int:
        # With fewer than 2 items the KPL uses the accurate size: the bare data length.
        if len(self.items) == 1:
            return len(records[self.items[0]].data)
        return self.estimate if self.items else 0

    def reset_with(self, items: list[int], records: Sequence[UserRecord]) -> None:
        self.items = []
        self.estimate = 0
        self.pk_counts = {}
        self.ehk_counts = {}
        self.version += 1
        for i in items:
            self.add(records[i], i)


# limiter.h drains waiting records on each put and on a 25 ms poll.
LIMITER_POLL_MS = 25


@dataclass
class _Limiter:
    """Per-shard token bucket (limiter.h): two token streams, records and bytes, each holding at
    most one second of the shard limit (1000 records, 1 MiB) and growing at that limit times
    RateLimit/100. Assumption: the bucket starts full. Records wait in FIFO order."""

    rec_rate: float
    byte_rate: float
    rec_tokens: float = float(SHARD_RECORDS_PER_SECOND)
    byte_tokens: float = float(SHARD_BYTES_PER_SECOND)
    last_ms: int = 0
    next_free_ms: int = 0  # FIFO: a record is released no earlier than the one before it

    def release_time(self, now: int, nbytes: int) -> int:
        t = max(now, self.next_free_ms)
        self._refill(t)
        need_bytes = float(min(nbytes, SHARD_BYTES_PER_SECOND))
        wait = 0.0
        if self.rec_tokens < 1.0:
            wait = max(wait, (1.0 - self.rec_tokens) / self.rec_rate * 1000)
        if self.byte_tokens < need_bytes:
            wait = max(wait, (need_bytes - self.byte_tokens) / self.byte_rate * 1000)
        if wait:
            ready = t + wait
            # A waiting record goes out at the first poll once the tokens are there.
            t = int(-(-ready // LIMITER_POLL_MS)) * LIMITER_POLL_MS
            self._refill(t)
        self.rec_tokens -= 1.0
        self.byte_tokens -= need_bytes
        self.next_free_ms = t
        return t

    def _refill(self, t: int) -> None:
        elapsed = t - self.last_ms
        if elapsed > 0:
            self.rec_tokens = min(
                float(SHARD_RECORDS_PER_SECOND), self.rec_tokens + elapsed * self.rec_rate / 1000
            )
            self.byte_tokens = min(
                float(SHARD_BYTES_PER_SECOND), self.byte_tokens + elapsed * self.byte_rate / 1000
            )
            self.last_ms = t


# Event kinds, in the order they run within one millisecond: buffers whose time is up flush
# first, so a collector deadline at the same instant sees what they produced.
_AGG_DEADLINE, _RELEASE, _COLLECTOR_DEADLINE, _ARRIVAL = range(4)


def simulate_kpl(
    records: Sequence[UserRecord],
    *,
    config: KPLConfig | None = None,
    shards: int = 1,
    flush_at_end: bool = True,
) -> KPLResult:
    """Run user records (in ``at_ms`` order; ties keep input order) through the KPL pipeline.

    ``flush_at_end``: the application calls ``flush()`` right after the last record and the
    simulation runs until everything is sent. Otherwise time stops at the last record's
    ``at_ms`` and whatever is still buffered is listed in ``buffered``.
    """
    cfg = config or KPLConfig()
    cfg.validate()
    return _Pipeline(records, cfg, shards).run(flush_at_end=flush_at_end)


class _Pipeline:
    """One run of the KPL: the stages as methods over shared state, driven by an event heap.

    arrive → (aggregation buffer per shard → flush_buffer) → emit → limiter → collect →
    send_collector; deadlines and limiter releases are events on the heap.
    """

    def __init__(self, records: Sequence[UserRecord], cfg: KPLConfig, shards: int) -> None:
        self.records = records
        self.cfg = cfg
        self.shards = shards
        self.result = KPLResult([], [], [])
        self.krs = self.result.kinesis_records
        limit_scale = cfg.RateLimit / 100
        self.limiters = [
            _Limiter(SHARD_RECORDS_PER_SECOND * limit_scale, SHARD_BYTES_PER_SECOND * limit_scale)
            for _ in range(shards)
        ]
        # The KPL predicts a record's shard only when aggregating (aggregator.h); without a
        # prediction the limiter and the collector's 256 KiB per-shard flush do not apply.
        self.predicted = cfg.AggregationEnabled
        self.buffers = [_AggBuffer() for _ in range(shards)]
        self.valid: list[int] = []
        for i, ur in enumerate(records):
            if len(ur.partition_key) > MAX_PARTITION_KEY_LENGTH or not ur.partition_key:
                self.result.rejected.append((i, "partition key must be 1 to 256 characters"))
            elif len(ur.data) > cfg.MaxUserRecordSize:
                reason = f"data larger than MaxUserRecordSize ({cfg.MaxUserRecordSize} bytes)"
                self.result.rejected.append((i, reason))
            else:
                self.valid.append(i)
        ends = shard_ending_hash_keys(shards)
        self.shard_of = [shard_for_hash(ur.hash_key, ends) for ur in records]
        self.heap: list[tuple[int, int, int, int, int]] = []  # (time, kind, seq, arg, version)
        self.seq = 0
        # Collector state (one Reducer<KinesisRecord, PutRecordsRequest>).
        self.coll_items: list[int] = []
        self.coll_bytes = 0
        self.coll_shard_bytes = [0] * shards
        self.coll_oldest: int | None = None
        self.coll_version = 0
        self.throttle: dict[tuple[int, int], list[int]] = {}

    def push(self, t: int, kind: int, arg: int = 0, version: int = 0) -> None:
        heapq.heappush(self.heap, (t, kind, self.seq, arg, version))
        self.seq += 1

    def oldest_at(self, kr: KinesisRecord) -> int:
        return min(self.records[u].at_ms for u in kr.user_records)

    def send_collector(self, now: int) -> None:
        if not self.coll_items:
            return
        self.result.put_records.append(PutRecordsRequest(self.coll_items, self.coll_bytes, now))
        for k in self.coll_items:
            kr = self.krs[k]
            kr.sent_ms = now
            slot = self.throttle.setdefault((kr.shard, now // 1000), [0, 0])
            slot[0] += 1
            slot[1] += kr.request_bytes
        self.coll_items = []
        self.coll_bytes = 0
        for s in range(self.shards):
            self.coll_shard_bytes[s] = 0
        self.coll_oldest = None
        self.coll_version += 1

    def collect(self, k: int, now: int) -> None:
        cfg = self.cfg
        kr = self.krs[k]
        size = kr.request_bytes
        # Adding then taking off the end (reducer.h) equals flushing first when it won't fit.
        too_many = len(self.coll_items) + 1 > cfg.CollectionMaxCount
        if self.coll_items and (too_many or self.coll_bytes + size > cfg.CollectionMaxSize):
            self.send_collector(now)
        self.coll_items.append(k)
        self.coll_bytes += size
        if self.predicted:
            self.coll_shard_bytes[kr.shard] += len(kr.data)
        first_at = self.oldest_at(kr)
        if self.coll_oldest is None or first_at < self.coll_oldest:
            self.coll_oldest = first_at
            self.push(
                self.coll_oldest + cfg.RecordMaxBufferedTime,
                _COLLECTOR_DEADLINE,
                0,
                self.coll_version,
            )
        if (
            len(self.coll_items) >= cfg.CollectionMaxCount
            or self.coll_bytes >= cfg.CollectionMaxSize
            or self.coll_shard_bytes[kr.shard] >= COLLECTOR_SHARD_FLUSH_BYTES
        ):
            self.send_collector(now)

    def emit(self, user_idx: list[int], shard: int, now: int) -> None:
        """Make a Kinesis record of these user records and pass it to the shard's limiter."""
        urs = [self.records[u] for u in user_idx]
        if len(urs) == 1:
            ur = urs[0]
            kr = KinesisRecord(
                ur.data, ur.partition_key, ur.explicit_hash_key, shard, (user_idx[0],), now
            )
        else:
            kr = KinesisRecord(
                encode_aggregated_record(urs), "a", urs[0].hash_key, shard, tuple(user_idx), now
            )
        self.krs.append(kr)
        k = len(self.krs) - 1
        if not self.predicted:
            self.collect(k, now)
            return
        # The limiter charges the record's data size (accurate_size), not its partition key.
        release = self.limiters[shard].release_time(now, len(kr.data))
        if release - self.oldest_at(kr) > self.cfg.RecordTtl:
            self.result.expired.extend(kr.user_records)
            return
        if release == now:
            self.collect(k, now)
        else:
            self.push(release, _RELEASE, k)

    def flush_buffer(self, shard: int, now: int) -> None:
        """Flush one aggregation buffer: take records off the end until the exact size fits;
        those stay buffered and start the next aggregated record."""
        cfg = self.cfg
        buf = self.buffers[shard]
        if not buf.items:
            return
        items = buf.items
        sizes = aggregated_prefix_sizes([self.records[u] for u in items])
        k = len(items)
        while k > 1 and (k > cfg.AggregationMaxCount or sizes[k - 1] > cfg.AggregationMaxSize):
            k -= 1
        buf.reset_with(items[k:], self.records)
        self.emit(items[:k], shard, now)
        if buf.items:
            first = min(self.records[u].at_ms for u in buf.items)
            self.push(first + cfg.RecordMaxBufferedTime, _AGG_DEADLINE, shard, buf.version)

    def arrive(self, i: int, now: int) -> None:
        cfg = self.cfg
        ur = self.records[i]
        shard = self.shard_of[i]
        if not cfg.AggregationEnabled or len(ur.data) > cfg.AggregationMaxSize:
            self.emit([i], shard, now)
            return
        buf = self.buffers[shard]
        was_empty = not buf.items
        buf.add(ur, i)
        if (
            len(buf.items) >= cfg.AggregationMaxCount
            or buf.estimated_size(self.records) >= cfg.AggregationMaxSize
        ):
            self.flush_buffer(shard, now)
        elif was_empty:
            self.push(ur.at_ms + cfg.RecordMaxBufferedTime, _AGG_DEADLINE, shard, buf.version)

    def flush_all(self, now: int) -> None:
        """The application's flush(): every buffer, then the collector."""
        for s in range(self.shards):
            while self.buffers[s].items:
                self.flush_buffer(s, now)
        self.send_collector(now)

    def run(self, *, flush_at_end: bool) -> KPLResult:
        records = self.records
        for i in sorted(self.valid, key=lambda j: records[j].at_ms):
            self.push(records[i].at_ms, _ARRIVAL, i)
        last_arrival = max((records[i].at_ms for i in self.valid), default=0)
        flushed = False
        clock = 0  # deadlines computed in the past run now, never back in time
        heap = self.heap
        while heap:
            t, kind, _, arg, version = heap[0]
            t = max(t, clock)
            clock = t
            if not flushed and t > last_arrival:
                if not flush_at_end:
                    break
                flushed = True
                self.flush_all(last_arrival)
                continue
            heapq.heappop(heap)
            if kind == _ARRIVAL:
                self.arrive(arg, t)
            elif kind == _AGG_DEADLINE:
                buf = self.buffers[arg]
                if version == buf.version and buf.items:
                    self.flush_buffer(arg, t)
            elif kind == _RELEASE:
                self.collect(arg, t)
            elif kind == _COLLECTOR_DEADLINE and version == self.coll_version:
                self.send_collector(t)
        if flush_at_end and not flushed:
            self.flush_all(last_arrival)
        return self.finish()

    def finish(self) -> KPLResult:
        """Keep the records that were sent, in send order, and say what the run assumed."""
        cfg, result, krs = self.cfg, self.result, self.krs
        sent = {u for kr in krs if kr.sent_ms is not None for u in kr.user_records}
        expired = set(result.expired)
        result.buffered = [i for i in self.valid if i not in sent and i not in expired]
        # Keep only records that were sent, in send order (stable by creation).
        order = sorted(
            (k for k, kr in enumerate(krs) if kr.sent_ms is not None),
            key=lambda k: (krs[k].sent_ms, k),
        )
        renumber = {old: new for new, old in enumerate(order)}
        result.kinesis_records = [krs[k] for k in order]
        for req in result.put_records:
            req.records = [renumber[k] for k in req.records]

        result.throttled = [
            ThrottledSecond(shard, second, n, b)
            for (shard, second), (n, b) in sorted(self.throttle.items())
            if n > SHARD_RECORDS_PER_SECOND or b > SHARD_BYTES_PER_SECOND
        ]
        if cfg.AggregationEnabled and any(kr.aggregated for kr in result.kinesis_records):
            n_users = sum(len(kr.user_records) for kr in result.kinesis_records)
            result.notes.append(
                f"{n_users} user records became {len(result.kinesis_records)} Kinesis records "
                "(exact sizes from the KPL format). " + DOCS_ROUNDING_NOTE
            )
        if not self.predicted:
            result.notes.append(
                "With aggregation off the KPL does not predict shards, so its rate limiter and "
                "the 256 KiB per-shard collector flush do not apply (as in the KPL code)."
            )
        elif cfg.RateLimit > 100:
            result.notes.append(
                f"RateLimit={cfg.RateLimit}% lets the KPL send up to {cfg.RateLimit}% of a "
                "shard's limit, so Kinesis may throttle some shard-seconds (listed; the KPL "
                "would retry)."
            )
        if result.throttled:
            result.notes.append(
                "Throttling is counted per calendar second of send time; Kinesis measures its "
                "limits over time windows it does not document exactly (assumption)."
            )
        return result


def generate_records(
    count: int, size: int, partition_key: str = "pk", *, at_ms: int = 0, per_second: int = 0
) -> list[UserRecord]:
    """``count`` user records of ``size`` bytes. ``{i}`` in the key is replaced by the record
    number; ``per_second`` > 0 spreads them evenly in time from ``at_ms``."""
    out: list[UserRecord] = []
    numbered = "{i}" in partition_key
    for i in range(count):
        pk = partition_key.replace("{i}", str(i)) if numbered else partition_key
        # Deterministic, distinguishable payload: the record number, padded to size.
        data = str(i).encode().ljust(size, b".")[:size]
        t = at_ms + (i * 1000 // per_second if per_second > 0 else 0)
        out.append(UserRecord(pk, data, t))
    return out
