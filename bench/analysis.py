"""Turning a run's raw records into the figures of DESIGN.md's performance budgets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from statistics import mean
from typing import Any

from bench.common import Bookmark, percentiles
from bench.viewers import Sample

# HTTP requests one successful fetch makes (runners/upstream/comfyui.py): system_stats,
# extensions, queue and dev mode; a legacy server first gets a 404 on /api/system_stats.
DIRECT_REQUESTS = 4
LEGACY_REQUESTS = 5


def requests_per_fetch(bookmark: Bookmark, mode: str) -> int:
    """Requests the simulator sees per fetch: a failing or hung runner stops at the first."""
    if mode != "ok" or bookmark.kind != "direct":
        return 1
    return LEGACY_REQUESTS if bookmark.legacy else DIRECT_REQUESTS


def fetch_ratios(
    bookmarks: Iterable[Bookmark],
    modes: Mapping[str, str],
    requests_in_window: Mapping[str, int],
    window_s: float,
) -> dict[str, Any]:
    """Upstream fetches per runner per (effective) interval, from the simulator's counts."""
    by_group: dict[str, list[float]] = {}
    for bookmark in bookmarks:
        mode = modes.get(bookmark.sim_id, "ok")
        fetches = requests_in_window.get(bookmark.sim_id, 0) / requests_per_fetch(bookmark, mode)
        ratio = fetches / (window_s / bookmark.interval_s)
        group = "healthy" if mode == "ok" else mode.partition(":")[0]
        by_group.setdefault(group, []).append(ratio)
    return {group: _spread(values) for group, values in by_group.items()}


def db_rate_ratios(
    bookmarks: Iterable[Bookmark], modes: Mapping[str, str], times: Mapping[int, Sequence[int]]
) -> dict[str, float]:
    """Per healthy runner: (snapshots - 1) per elapsed interval between its first and last one.

    Free of the window-edge effect that makes a single runner's count ±1.
    """
    ratios = []
    for bookmark in bookmarks:
        stamps = times.get(bookmark.pk, [])
        if modes.get(bookmark.sim_id, "ok") == "ok" and len(stamps) >= 3:
            span = stamps[-1] - stamps[0]
            ratios.append((len(stamps) - 1) * bookmark.interval_s / span)
    return _spread(ratios)


def _spread(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"runners": 0}
    return {
        "runners": len(values),
        "mean": round(mean(values), 3),
        "p50": round(sorted(values)[len(values) // 2], 3),
        "max": round(max(values), 3),
    }


def snapshots_vs_fetches(
    bookmarks: Iterable[Bookmark],
    modes: Mapping[str, str],
    requests_total: Mapping[str, int],
    snapshots: Mapping[int, int],
) -> dict[str, Any]:
    fetches = sum(
        requests_total.get(b.sim_id, 0) / requests_per_fetch(b, modes.get(b.sim_id, "ok"))
        for b in bookmarks
    )
    written = sum(snapshots.values())
    return {
        "upstream_fetches": round(fetches, 1),
        "snapshots": written,
        "snapshots_per_fetch": round(written / fetches, 3) if fetches else None,
    }


def client_latencies(samples: Iterable[Sample], since: float) -> dict[str, Any]:
    """Client-side latency (loopback, ms) per kind of answer, for requests sent after `since`."""
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        if sample.sent >= since:
            groups.setdefault(classify(sample), []).append(sample)
    return {
        name: percentiles([s.latency_ms for s in group]) for name, group in sorted(groups.items())
    }


def classify(sample: Sample) -> str:
    if sample.kind == "dashboard":
        return f"dashboard_{sample.reason}"
    if sample.status == 200:
        return "poll_200_grid" if sample.whole_grid else "poll_200_changes"
    if sample.status == 204:
        return "poll_204"
    return f"poll_error_{sample.status}"


def server_times(rows: Iterable[tuple[float, str, int, float]], since_epoch: float) -> dict:
    """Time spent in the gunicorn worker (its access log), per kind of answer."""
    groups: dict[str, list[float]] = {}
    for when, path, status, ms in rows:
        if when < int(since_epoch):
            continue
        if path == "/":
            name = f"dashboard_{status}"
        elif path.endswith("/poll/"):
            name = f"poll_{status}"
        else:
            continue
        groups.setdefault(name, []).append(ms)
    return {name: percentiles(values) for name, values in sorted(groups.items())}


def rates(samples: Iterable[Sample], since: float, until: float, tick_s: float) -> dict[str, Any]:
    """Page polls: per second, per viewer per tick, share answered with changes, dropped ticks."""
    polls = [s for s in samples if s.kind == "poll" and since <= s.sent < until]
    seconds = max(until - since, 1e-9)
    answered = [s for s in polls if s.status in (200, 204)]
    return {
        "poll_requests_per_s": round(len(polls) / seconds, 2),
        "polls_per_viewer_per_tick": _per_tick(polls, tick_s),
        "poll_200_share": round(sum(s.status == 200 for s in answered) / max(len(answered), 1), 3),
        "poll_errors": len(polls) - len(answered),
        "dropped_ticks": sum(s.dropped for s in polls),
        "polls_over_1s": sum(s.latency_ms > 1000 for s in polls),
        "max_poll_ms": round(max((s.latency_ms for s in polls), default=0.0), 1),
    }


def _per_tick(polls: Sequence[Sample], tick_s: float) -> float | None:
    """Polls per tick per viewer, from each viewer's first to its last poll (no window edges)."""
    by_viewer: dict[int, list[float]] = {}
    for sample in polls:
        by_viewer.setdefault(sample.viewer, []).append(sample.sent)
    gaps = sum(len(sent) - 1 for sent in by_viewer.values())
    span = sum(max(sent) - min(sent) for sent in by_viewer.values())
    return round(gaps / (span / tick_s), 3) if span else None


def trigger_to_change(
    samples: Iterable[Sample],
    intervals_s: Mapping[int, int],
    starts: Mapping[int, Sequence[float]],
    window: tuple[float, float],
) -> dict[str, Any]:
    """From a healthy runner's change to the poll that first brings it to each viewer.

    Two clocks: from the moment the runner fell due (its previous fetch plus the product's gap)
    and from the moment its new fetch began. Fetch starts come from the fetch log (`starts`),
    matched to the whole seconds the cards show.
    """
    from_due, from_fetch, upstream, skipped = [], [], [], 0
    for sample in samples:
        if sample.kind != "poll" or not window[0] <= sample.sent < window[1]:
            continue
        for change in sample.changes:
            pk = int(change.key.partition("-")[2])
            interval = intervals_s.get(pk)
            began, previous = (
                _start(starts, pk, ts) for ts in (change.data_ts, change.previous_ts)
            )
            if (
                interval is None
                or began is None
                or previous is None
                or began - previous > 1.5 * interval
            ):
                skipped += 1  # not healthy, not logged, or a fetch this viewer never saw
                continue
            due = previous + interval - min(1.0, 0.04 * interval)
            from_due.append((sample.done_epoch - due) * 1000)
            from_fetch.append((sample.done_epoch - began) * 1000)
            if change.upstream_ms is not None:
                upstream.append(float(change.upstream_ms))
    return {
        "due_to_card_ms": percentiles(from_due),
        "fetch_to_card_ms": percentiles(from_fetch),
        "upstream_ms": percentiles(upstream),
        "skipped": skipped,
    }


def _start(starts: Mapping[int, Sequence[float]], pk: int, whole_s: int) -> float | None:
    """The logged start of the runner's fetch that a card shows as `whole_s`."""
    return next((t for t in starts.get(pk, ()) if int(t) == whole_s), None)


# --- DESIGN.md's budgets -------------------------------------------------------------------------

FETCH_RATIO_BUDGET = 1.05
CC_WINDOW_BUDGET = 40
DASHBOARD_MS_BUDGET = 50
POLL_204_MS_BUDGET = 15
POLL_200_MS_BUDGET = 30
APP_CORES_BUDGET = 0.5
MIN_SAMPLES = 20  # fewer answers of a kind than this under load: judge the unloaded figure

Line = tuple[str, str, str, bool | None]


def budget_lines(report: Mapping[str, Any]) -> list[Line]:
    """(what, budget, measured, passed) for each budget a run's figures speak to."""
    upstream = report["upstream"]
    lines = [_fetch_line(upstream), _comfycontrol_line(upstream), _polls_line(report)]
    lines.append(_cpu_line(report))
    lines += _poll_time_lines(report)
    lines += _change_lines(report)
    lines += _dashboard_lines(report)
    return lines


def _fetch_line(upstream: Mapping[str, Any]) -> Line:
    healthy = upstream["fetches_per_runner_per_interval"].get("healthy", {})
    rate = upstream["snapshot_rate_per_interval"]
    measured = (
        f"mean {healthy.get('mean')}, max {healthy.get('max')} (counts); "
        f"snapshot rate mean {rate.get('mean')}, max {rate.get('max')}"
    )
    # Judged on the snapshot rate when there is one: a count over a window is off by a fetch
    # at its edges, and with many viewers fetches no longer start together.
    judged = rate.get("mean", healthy.get("mean"))
    return (
        "upstream fetches per runner per interval",
        f"≤ {FETCH_RATIO_BUDGET}",
        measured + ("; judged on the snapshot rate" if "mean" in rate else ""),
        _at_most(judged, FETCH_RATIO_BUDGET),
    )


def _comfycontrol_line(upstream: Mapping[str, Any]) -> Line:
    worst, refused = upstream["comfycontrol_window_max"], upstream["comfycontrol_429"]
    return (
        "ComfyControl requests in any 10 s window",
        f"≤ {CC_WINDOW_BUDGET}, zero 429s",
        f"{worst}, {refused} answered 429",
        worst <= CC_WINDOW_BUDGET and refused == 0,
    )


def _polls_line(report: Mapping[str, Any]) -> Line:
    load = report["load"]
    per_tick = load["polls_per_viewer_per_tick"]
    return (
        f"page polls per viewer per tick ({report['tick_s']} s), {report['options']['runners']} "
        "runners",
        "one per tick, none dropped",
        f"{per_tick}; {load['dropped_ticks']} ticks dropped, {load['poll_errors']} errors",
        per_tick is not None
        and per_tick <= 1.0
        and load["dropped_ticks"] == 0
        and load["poll_errors"] == 0,
    )


def _cpu_line(report: Mapping[str, Any]) -> Line:
    cores = report["load"]["cpu_cores"]
    options = report["options"]
    # A collector that refreshes for the pages is part of the app.
    collector = cores.get("collector")
    app = cores.get("app") if collector is None else round(cores["app"] + collector, 2)
    with_collector = "" if collector is None else f" (web {cores['app']}, collector {collector})"
    return (
        f"app CPU, {options['viewers']} viewers x {options['runners']} runners at "
        f"{options['interval']} s",
        f"≤ {APP_CORES_BUDGET} core",
        f"app {app}{with_collector}, simulator {cores.get('simulator')}, "
        f"viewers {cores.get('bench')}, other {cores.get('other')}",
        _at_most(app, APP_CORES_BUDGET),
    )


def _poll_time_lines(report: Mapping[str, Any]) -> list[Line]:
    """Judged on gunicorn's times under load; with too few of a kind, on the test client's."""
    lines = []
    for name, in_process, budget in (
        ("poll_204", "poll_204", POLL_204_MS_BUDGET),
        ("poll_200", "poll_200_changes", POLL_200_MS_BUDGET),
    ):
        loaded = report["server_ms"].get(name, {})
        unloaded = report["views_in_process"].get(in_process, {}).get("ms", {})
        enough = loaded.get("n", 0) >= MIN_SAMPLES
        judged = loaded.get("p95") if enough else unloaded.get("p95")
        lines.append(
            (
                f"dashboard poll {name[5:]}, server p95",
                f"≤ {budget} ms",
                f"under load {loaded.get('p95')} ms (n={loaded.get('n', 0)}); unloaded "
                f"{unloaded.get('p95')} ms; judged "
                + ("under load" if enough else "unloaded (few under load)"),
                _at_most(judged, budget),
            )
        )
    return lines


def _change_lines(report: Mapping[str, Any]) -> list[Line]:
    """Healthy cards' trigger→change, with the hung runners when the run has some."""
    phases = report["trigger_to_change"]
    figures = phases.get("with_hang") or phases.get("all", {})
    tick_ms = report["tick_s"] * 1000
    upstream = figures["upstream_ms"].get("p95")
    from_fetch, from_due = figures["fetch_to_card_ms"], figures["due_to_card_ms"]
    passed = None
    if upstream == upstream and upstream is not None:
        passed = bool(
            _at_most(from_fetch.get("p95"), upstream + tick_ms)
            and _at_most(from_due.get("p95"), upstream + 2 * tick_ms)
        )
    hung = report["failure_modes"].get("hang", 0)
    lines: list[Line] = [
        (
            f"healthy trigger→change p95, {hung} runners hung",
            "fetch→card ≤ upstream + 1 tick; due→card ≤ upstream + 2 ticks",
            f"fetch→card {from_fetch.get('p95')} ms, due→card {from_due.get('p95')} ms "
            f"(n={from_due.get('n')}), upstream p95 {upstream} ms, tick {tick_ms:.0f} ms",
            passed,
        )
    ]
    if hung:
        load = report["load"]
        lines.append(
            (
                "viewer requests waiting on a hung runner",
                "none (no poll over 1 s)",
                f"{load['polls_over_1s']} polls over 1 s, slowest {load['max_poll_ms']} ms",
                load["polls_over_1s"] == 0,
            )
        )
    return lines


def _dashboard_lines(report: Mapping[str, Any]) -> list[Line]:
    loaded = report["server_ms"].get("dashboard_200", {})
    views = report["views_in_process"]["dashboard"]
    largest = max(views, key=int)
    queries = {size: figures["queries"] for size, figures in views.items()}
    return [
        (
            f"dashboard, {largest} runners, every card cold, server p95 (unloaded)",
            f"≤ {DASHBOARD_MS_BUDGET} ms",
            f"{views[largest]['ms_cold']['p95']} ms; cards cached {views[largest]['ms']['p95']} "
            f"ms; under load {loaded.get('p95')} ms (n={loaded.get('n', 0)})",
            _at_most(views[largest]["ms_cold"]["p95"], DASHBOARD_MS_BUDGET),
        ),
        (
            "dashboard queries by runner count, no card cached",
            "constant in N",
            ", ".join(f"N={size}: {count}" for size, count in sorted(queries.items(), key=_int0)),
            len(set(queries.values())) == 1,
        ),
    ]


def _at_most(value: float | None, limit: float) -> bool | None:
    if value is None or value != value:  # missing or NaN: nothing measured
        return None
    return value <= limit


def _int0(item: tuple[Any, Any]) -> int:
    return int(item[0])
