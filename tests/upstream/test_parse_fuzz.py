import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runners.stats import RunnerStats
from runners.text import MAX_TEXT
from runners.upstream.errors import BadResponse
from runners.upstream.parse import (
    MAX_NUMBER,
    parse_comfycontrol_stats,
    parse_dev_mode,
    parse_extensions,
    parse_queue,
    parse_system_stats,
)

# Sized to keep this file under ~20 s on two cores: valid bodies cost ~9 ms each to generate.
FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_BODIES = settings(FUZZ, max_examples=300)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")

hostile_scalars = st.sampled_from(
    [True, False, -1, 0, 2**62, 2**62 + 1, 2**64, 1.5, 1e400, float("nan"), "NaN", "", "\x00"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=300)
    | hostile_scalars
)
any_json = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly the right kind of value, sometimes anything at all."""
    return strategy | strategy | any_json


sizes = st.integers(min_value=0, max_value=2**63) | hostile_scalars
words = st.text(min_size=0, max_size=40)
device_types = st.sampled_from(["cuda", "cpu", "mps", "privateuseone", "xpu", "npu"]) | words
device_names = (
    st.sampled_from(["cpu", "mps", "privateuseone", "CUDA 0: Tesla T4"])
    | st.builds("{}:{} {} : {}".format, device_types, st.integers(-2, 99), words, words)
    | words
)
versions = (
    st.from_regex(r"v?\d{1,4}(\.\d{1,4}){0,3}(-\d+-g[0-9a-f]{7})?", fullmatch=True)
    | st.sampled_from(["unknown", "0.3.77", "0.38.1", "v0.2.2-1-gabc123"])
    | words
)
extension_paths = st.builds("/extensions/{}/{}.js".format, words, words) | words
device_like = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(device_names),
        "type": maybe(device_types),
        "index": maybe(st.integers(-2, 16) | st.none()),
        "vram_total": maybe(sizes),
        "vram_free": maybe(sizes),
        "torch_vram_total": any_json,
    },
)
system_like = st.fixed_dictionaries(
    {},
    optional={
        "os": maybe(st.sampled_from(["posix", "nt", "linux", "darwin", "win32"])),
        "ram_total": maybe(sizes),
        "ram_free": maybe(sizes),
        "comfyui_version": maybe(versions),
        "python_version": maybe(words),
        "pytorch_version": maybe(words),
        "argv": any_json,
        "comfy_package_versions": any_json,
    },
)
body_like = st.fixed_dictionaries(
    {},
    optional={
        "system": maybe(system_like),
        "devices": maybe(st.lists(maybe(device_like), max_size=4)),
        "dev_mode": any_json,
        "extensions": maybe(st.lists(maybe(extension_paths), max_size=8)),
        "queue_running": maybe(st.lists(any_json, max_size=3)),
        "queue_pending": maybe(st.lists(any_json, max_size=3)),
    },
)
documents = any_json | body_like
valid_bodies = st.fixed_dictionaries(
    {"system": system_like, "devices": st.lists(device_like, max_size=4)},
    optional={"dev_mode": any_json, "extensions": st.lists(maybe(extension_paths), max_size=8)},
)


def check_text(text: object) -> None:
    assert isinstance(text, str)
    assert len(text) <= MAX_TEXT
    assert not CONTROL.search(text)


def check_number(number: object) -> None:
    assert number is None or (type(number) is int and 0 <= number <= MAX_NUMBER)


def check_stats(stats: RunnerStats) -> None:
    stored = stats.to_dict()
    json.dumps(stored, allow_nan=False, ensure_ascii=False).encode()
    for device in stats.devices:
        check_text(device.model)
        check_number(device.vram_total)
        check_number(device.vram_free)
        if device.vram_total is not None and device.vram_free is not None:
            assert device.vram_free <= device.vram_total
    check_paths(stats.extensions)
    for number in (stats.ram_total, stats.ram_free, stats.largest_vram_free):
        check_number(number)
    assert sum(len(p.files) for p in stats.packs) == len(stats.extensions)


def check_paths(paths: tuple[str, ...]) -> None:
    for path in paths:
        check_text(path)


def check_counts(counts: tuple[int, int]) -> None:
    assert len(counts) == 2
    for count in counts:
        check_number(count)


def check_dev_mode(value: bool | None) -> None:
    assert value in (None, True, False)


CHECKS: dict[Callable[[object], Any], Callable[[Any], None]] = {
    parse_comfycontrol_stats: check_stats,
    parse_system_stats: check_stats,
    parse_extensions: check_paths,
    parse_queue: check_counts,
    parse_dev_mode: check_dev_mode,
}


def check_every_parser(doc: object) -> None:
    for parse, check in CHECKS.items():
        try:
            result = parse(doc)
        except BadResponse:
            continue
        check(result)


@FUZZ
@given(doc=documents)
def test_any_json_document_gives_each_parser_a_valid_value_or_bad_response(doc):
    check_every_parser(doc)


@FUZZ
@given(data=st.binary(max_size=200) | body_like.map(json.dumps).map(str.encode), flips=st.data())
def test_any_bytes_decoded_as_json_give_each_parser_a_valid_value_or_bad_response(data, flips):
    mutated = bytearray(data)
    for _ in range(flips.draw(st.integers(0, 3))):
        if mutated:
            mutated[flips.draw(st.integers(0, len(mutated) - 1))] = flips.draw(st.integers(0, 255))
    try:
        doc = json.loads(bytes(mutated))
    except (ValueError, RecursionError):
        return
    check_every_parser(doc)


@FUZZ_BODIES
@given(body=valid_bodies)
def test_bodies_with_system_and_devices_always_parse(body):
    check_stats(parse_comfycontrol_stats(body))


@FUZZ_BODIES
@given(body=valid_bodies, queue=st.tuples(st.integers(0, 50), st.integers(0, 50)))
def test_stats_round_trip_through_stored_json(body, queue):
    running, pending = queue
    stats = replace(parse_comfycontrol_stats(body), queue_running=running, queue_pending=pending)
    stored = json.loads(json.dumps(stats.to_dict()))
    assert RunnerStats.from_dict(stored) == stats
