"""KPL batching: real aggregated bytes, size limits, routing, time flushes, throttling."""

from __future__ import annotations

import hashlib
import random

import pytest
from aws_kinesis_agg.deaggregator import deaggregate_records
from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.sims.kpl import (
    FIXED_OVERHEAD,
    MAGIC,
    KPLConfig,
    KPLConfigError,
    UserRecord,
    aggregated_prefix_sizes,
    encode_aggregated_record,
    generate_records,
    partition_key_hash,
    shard_ending_hash_keys,
    shard_for_hash,
    simulate_kpl,
)


def deaggregate(kr) -> list[tuple[str, bytes]]:
    raw = {
        "Data": kr.data,
        "PartitionKey": kr.partition_key,
        "SequenceNumber": "1",
        "ApproximateArrivalTimestamp": 0,
    }
    from aws_kinesis_agg.deaggregator import iter_deaggregate_records

    out = list(iter_deaggregate_records([raw], data_format="Boto3"))
    return [(r["kinesis"]["partitionKey"], _data(r)) for r in out]


def _data(r) -> bytes:
    import base64

    data = r["kinesis"]["data"]
    # The deaggregator re-base64-encodes user records it unpacked, but passes a plain record
    # through untouched.
    return base64.b64decode(data) if r["kinesis"].get("aggregated") else data


def test_config_defaults_are_the_kpl_defaults():
    c = KPLConfig()
    assert (c.AggregationEnabled, c.AggregationMaxCount, c.AggregationMaxSize) == (
        True,
        4294967295,
        51200,
    )
    assert (c.CollectionMaxCount, c.CollectionMaxSize) == (500, 5242880)
    assert (c.RecordMaxBufferedTime, c.RecordTtl, c.RateLimit, c.MaxUserRecordSize) == (
        100,
        30000,
        150,
        1048576,
    )
    assert KPLConfig.from_dict({"AggregationMaxSize": 1000}).AggregationMaxSize == 1000


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"AggregationMaxSz": 1}, "AggregationMaxSz"),
        ({"AggregationEnabled": "yes"}, "AggregationEnabled"),
        ({"CollectionMaxCount": True}, "CollectionMaxCount"),
        ({"CollectionMaxCount": 501}, "CollectionMaxCount"),
        ({"RateLimit": 0}, "RateLimit"),
        ({"RecordTtl": 1.5}, "RecordTtl"),
    ],
)
def test_config_errors_name_the_key(values, key):
    with pytest.raises(KPLConfigError) as e:
        KPLConfig.from_dict(values)
    assert e.value.key == key


def test_encoding_has_magic_protobuf_and_md5():
    urs = [UserRecord("a", b"x"), UserRecord("b", b"yy")]
    blob = encode_aggregated_record(urs)
    assert blob[:4] == MAGIC == bytes.fromhex("F3899AC2")
    proto = blob[4:-16]
    assert blob[-16:] == hashlib.md5(proto).digest()
    # partition_key_table "a", "b"; records {0, "x"}, {1, "yy"}, hand-checked bytes.
    assert proto == bytes.fromhex(
        "0a0161 0a0162 1a05 0800 1a0178 1a06 0801 1a027979".replace(" ", "")
    )
    assert aggregated_prefix_sizes(urs)[-1] == len(blob) == FIXED_OVERHEAD + len(proto)


def test_deaggregator_round_trip_gets_every_user_record_back():
    rng = random.Random(5)
    records = []
    for i in range(3000):
        pk = f"user-{rng.randrange(40)}"
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 700)))
        records.append(UserRecord(pk, data, at_ms=i // 10))
    res = simulate_kpl(records, shards=4)
    assert any(kr.aggregated for kr in res.kinesis_records)
    got: dict[int, tuple[str, bytes]] = {}
    for kr in res.kinesis_records:
        unpacked = deaggregate(kr)
        assert len(unpacked) == len(kr.user_records)
        for idx, pair in zip(kr.user_records, unpacked, strict=True):
            got[idx] = pair
        if kr.aggregated:
            assert kr.partition_key == "a"
            assert kr.explicit_hash_key == records[kr.user_records[0]].hash_key
    assert got == {i: (r.partition_key, r.data) for i, r in enumerate(records)}


def test_deaggregate_records_accepts_lambda_style_records():
    import base64

    res = simulate_kpl(generate_records(300, 100, "k{i}"))
    kr = res.kinesis_records[0]
    lam = {"kinesis": {"kinesisSchemaVersion": "1.0", "sequenceNumber": "1",
                       "approximateArrivalTimestamp": 0, "data": base64.b64encode(kr.data),
                       "partitionKey": "a"}}  # fmt: skip
    out = deaggregate_records([lam])
    assert [r["kinesis"]["partitionKey"] for r in out] == [f"k{i}" for i in kr.user_records]


def test_docs_example_1000_records_of_512_bytes_make_11_not_10():
    res = simulate_kpl(generate_records(1000, 512, "pk"))
    sizes = [len(kr.user_records) for kr in res.kinesis_records]
    assert sizes == [98] * 10 + [20]
    assert max(len(kr.data) for kr in res.kinesis_records) <= 51200
    assert any('"only 10"' in n for n in res.notes)
    # The collector flushes when one shard has 256 KiB buffered: 6 records, then 5.
    assert [len(p.records) for p in res.put_records] == [6, 5]


def test_size_estimate_triggers_flush_and_take_off_the_end_fits_exactly():
    # Estimate per record 512 + 5 (+ 2 + 3 for the key once): flush at 100 records, the exact
    # size of 100 (52,024 bytes) is too big, so 2 come off the end and start the next record.
    urs = generate_records(100, 512, "pk")
    assert aggregated_prefix_sizes(urs)[99] == 52024
    assert aggregated_prefix_sizes(urs)[97] == 50984
    res = simulate_kpl(urs, flush_at_end=False)
    assert [len(kr.user_records) for kr in res.kinesis_records] == []  # collector still buffered
    res = simulate_kpl(urs)
    assert [len(kr.user_records) for kr in res.kinesis_records] == [98, 2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60_000)), min_size=1, max_size=400),
    st.integers(1, 4),
)
def test_no_aggregated_record_or_request_exceeds_the_limits(spec, shards):
    records = [UserRecord(f"k{k}", b"z" * size, at_ms=i) for i, (k, size) in enumerate(spec)]
    res = simulate_kpl(records, shards=shards)
    assert sorted(u for kr in res.kinesis_records for u in kr.user_records) == list(
        range(len(records))
    )
    for kr in res.kinesis_records:
        if kr.aggregated:
            assert len(kr.data) <= 51200
            assert (
                len(kr.data) == aggregated_prefix_sizes([records[u] for u in kr.user_records])[-1]
            )
        else:
            assert kr.data == records[kr.user_records[0]].data
    for req in res.put_records:
        assert len(req.records) <= 500
        assert req.bytes <= 5 * 1024 * 1024
        assert req.bytes == sum(res.kinesis_records[k].request_bytes for k in req.records)


def test_request_limits_with_many_unaggregated_records():
    res = simulate_kpl(
        generate_records(2600, 10_000, "k{i}"), config=KPLConfig(AggregationEnabled=False)
    )
    counts = [len(p.records) for p in res.put_records]
    assert sum(counts) == 2600
    assert max(counts) <= 500
    assert all(p.bytes <= 5_242_880 for p in res.put_records)


def test_records_larger_than_aggregation_max_size_are_sent_alone():
    records = [UserRecord("a", b"s" * 10), UserRecord("b", b"L" * 60_000), UserRecord("c", b"s")]
    res = simulate_kpl(records)
    big = [kr for kr in res.kinesis_records if 1 in kr.user_records][0]
    assert big.user_records == (1,) and big.partition_key == "b" and len(big.data) == 60_000
    small = [kr for kr in res.kinesis_records if 0 in kr.user_records][0]
    assert small.user_records == (0, 2)


def test_validation_rejects_long_keys_and_oversized_records():
    records = [UserRecord("k" * 257, b"x"), UserRecord("ok", b"x" * 11), UserRecord("ok", b"y")]
    res = simulate_kpl(records, config=KPLConfig(MaxUserRecordSize=10))
    assert [i for i, _ in res.rejected] == [0, 1]
    assert [kr.user_records for kr in res.kinesis_records] == [(2,)]


def test_routing_uses_md5_big_endian_over_even_ranges():
    ends = shard_ending_hash_keys(4)
    assert ends[-1] == 2**128 - 1
    assert ends[0] == 2**126 - 1
    h = partition_key_hash("pk")
    assert h == int(hashlib.md5(b"pk").hexdigest(), 16)
    assert shard_for_hash(h, ends) == h // 2**126
    assert shard_for_hash(ends[1], ends) == 1
    assert shard_for_hash(ends[1] + 1, ends) == 2
    res = simulate_kpl(generate_records(400, 50, "user-{i}"), shards=4)
    for kr in res.kinesis_records:
        for u in kr.user_records:
            assert shard_for_hash(partition_key_hash(f"user-{u}"), ends) == kr.shard
    assert {kr.shard for kr in res.kinesis_records} == {0, 1, 2, 3}


def test_time_flush_after_record_max_buffered_time():
    records = [UserRecord("pk", b"a" * 100, at_ms=0) for _ in range(10)]
    records += [UserRecord("pk", b"b" * 100, at_ms=500) for _ in range(10)]
    res = simulate_kpl(records, flush_at_end=False)
    assert [(len(kr.user_records), kr.sent_ms) for kr in res.kinesis_records] == [(10, 100)]
    assert len(res.buffered) == 10  # time stopped at 500 ms: the second batch still waits
    res = simulate_kpl(records, config=KPLConfig(RecordMaxBufferedTime=1000))
    assert [len(kr.user_records) for kr in res.kinesis_records] == [20]


# AggregationMaxCount=1 keeps one user record per Kinesis record while the KPL still predicts
# shards (it only does when aggregating), so its rate limiter applies.
ONE_PER_RECORD = {"AggregationMaxCount": 1}


def test_throttling_reports_shard_seconds_over_the_limit():
    fast = generate_records(6000, 100, "k{i}", per_second=3000)
    res = simulate_kpl(fast, config=KPLConfig(**ONE_PER_RECORD))
    assert res.throttled
    assert all(t.records > 1000 or t.bytes > 1_048_576 for t in res.throttled)
    # The limiter (RateLimit 150 %) lets the full bucket (1,000) burst in second 0 on top of
    # its growth, then holds the sustained rate near 1,500 records per second per shard.
    per_second: dict[int, int] = {}
    for kr in res.kinesis_records:
        per_second[kr.sent_ms // 1000] = per_second.get(kr.sent_ms // 1000, 0) + 1
    assert per_second[0] <= 2500
    assert 1400 <= per_second[2] <= 1600
    assert any("RateLimit=150%" in n for n in res.notes)


def test_limiter_at_rate_limit_100_keeps_later_seconds_under_the_shard_limit():
    fast = generate_records(5000, 100, "k{i}", per_second=5000)
    res = simulate_kpl(fast, config=KPLConfig(RateLimit=100, **ONE_PER_RECORD))
    later = [t for t in res.throttled if t.second >= 2]
    assert later == []


def test_without_aggregation_there_is_no_limiter_and_buffering_shifts_load():
    # Below the shard rate: buffering shifts up to 100 ms of records into the next second,
    # which at exactly 1,000/s would already tip a second over the limit.
    steady = generate_records(3000, 100, "k{i}", per_second=800)
    res = simulate_kpl(steady, config=KPLConfig(AggregationEnabled=False, RateLimit=100))
    assert res.throttled == []
    assert len(res.kinesis_records) == 3000
    # At exactly the shard rate, the 100 ms of buffering tips one second over.
    at_limit = generate_records(3000, 100, "k{i}", per_second=1000)
    res = simulate_kpl(at_limit, config=KPLConfig(AggregationEnabled=False, RateLimit=100))
    assert [t.records for t in res.throttled] == [1100]


def test_throttling_by_bytes_on_one_shard():
    big = generate_records(30, 100_000, "k{i}", per_second=8)
    res = simulate_kpl(big, config=KPLConfig(AggregationEnabled=False, RateLimit=100))
    assert res.throttled == []
    res = simulate_kpl(
        generate_records(30, 100_000, "k{i}", per_second=30),
        config=KPLConfig(AggregationEnabled=False, RateLimit=300),
    )
    assert res.throttled and all(t.bytes > 1_048_576 for t in res.throttled)


def test_record_ttl_expires_records_the_limiter_holds_too_long():
    burst = generate_records(5000, 100, "k{i}")
    res = simulate_kpl(burst, config=KPLConfig(RecordTtl=1000, **ONE_PER_RECORD))
    # 1,000 leave at once, then 1,500 per second: about 2,500 within the TTL.
    assert 2400 <= len(res.kinesis_records) <= 2600
    assert res.expired
    assert len(res.expired) + len(res.kinesis_records) == 5000
