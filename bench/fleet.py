"""Dashboard viewers against a simulated fleet, with the app under gunicorn: DESIGN.md's budgets.

    .venv/bin/python -m bench.fleet 100 10 120                # R runners, V viewers, T seconds
    .venv/bin/python -m bench.fleet --scenario budget 200 5 150
    .venv/bin/python -m bench.fleet --scenario hang --latency-ms 100 100 3 160

Everything runs on 127.0.0.1: the simulator (`python -m simulator`), gunicorn, and the viewers in
this process. A fresh database per run (a temporary SQLite file, or a new PostgreSQL database
beside the one DATABASE_URL names). Prints the figures; --json writes them too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import analysis, common
from bench.common import percentiles
from bench.viewers import RETRIES, DashboardProbe, Sample, Viewer, login

SCENARIOS = {
    # Managed, self-hosted and direct runners; 10 % hung and a few failing from the start.
    "fleet": {"runners": 100, "viewers": 10, "seconds": 120, "hang": 0.1, "failing": 3},
    # Only ComfyControl managed runners, all healthy: the shared rate budget.
    "budget": {"runners": 200, "viewers": 5, "seconds": 150, "hang": 0.0, "failing": 0},
    # First half all healthy, then 10 % hang: healthy cards' trigger→change, before and after.
    "hang": {"runners": 100, "viewers": 3, "seconds": 160, "hang": 0.1, "failing": 0},
}
LOGIN_THREADS = 4


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runners", nargs="?", type=int, help="R (scenario default)")
    parser.add_argument("viewers", nargs="?", type=int, help="V (scenario default)")
    parser.add_argument("seconds", nargs="?", type=float, help="T (scenario default)")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="fleet")
    parser.add_argument("--interval", type=int, default=10, help="runners' poll interval, s")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every upstream call")
    parser.add_argument("--hang", type=float, help="fraction of runners in `hang` mode")
    parser.add_argument("--failing", type=int, help="runners answering status:500")
    parser.add_argument("--managed", type=float, default=0.2, help="share of managed runners")
    parser.add_argument("--self-hosted", type=float, default=0.1, help="share of self-hosted")
    parser.add_argument("--warmup", type=float, help="s before counting (default 2 intervals)")
    parser.add_argument("--dashboard-every", type=float, default=5.0, help="dashboard probe, s")
    parser.add_argument("--view", choices=("cards", "table"), default="cards")
    parser.add_argument(
        "--collector", action="store_true", help="run `manage.py collect` beside the app"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    # Measured on SQLite with per-card polls: 60 cost about 14 % less app CPU per poll than 0.
    parser.add_argument("--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quiet-wait", type=float, default=600, help="s to wait for an idle machine; 0: don't"
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--samples", type=Path, help="write every request's record here (JSONL)")
    parser.add_argument("--keep", type=Path, help="copy the database and logs to this new folder")
    options = parser.parse_args(argv)
    _apply_scenario(options)
    return options


def _apply_scenario(options: argparse.Namespace) -> None:
    preset = SCENARIOS[options.scenario]
    for name in ("runners", "viewers", "seconds", "hang", "failing"):
        if getattr(options, name) is None:
            setattr(options, name, preset[name])
    if options.scenario == "budget":
        options.managed, options.self_hosted = 1.0, 0.0
    if options.warmup is None:
        options.warmup = min(2.0 * options.interval, options.seconds / 3)
    if not 0 < options.seconds <= 3600 or options.viewers < 1 or options.runners < 1:
        raise SystemExit("need 1 ≤ R, 1 ≤ V and 0 < T ≤ 3600")


def fleet_counts(options: argparse.Namespace) -> dict[str, int]:
    managed = round(options.runners * options.managed)
    self_hosted = min(round(options.runners * options.self_hosted), options.runners - managed)
    return {
        "managed": managed,
        "self_hosted": self_hosted,
        "direct": options.runners - managed - self_hosted,
    }


def failure_modes(fleet: dict[str, Any], hang: float, failing: int) -> dict[str, str]:
    """Runner id -> mode, spread evenly over the fleet (so over every kind of runner)."""
    ids = [entry["id"] for entry in fleet["runners"]]
    modes = {sim_id: "hang" for sim_id in _spread(ids, round(len(ids) * hang), 0.5)}
    rest = [sim_id for sim_id in ids if sim_id not in modes]
    modes.update({sim_id: "status:500" for sim_id in _spread(rest, failing, 0.25)})
    return modes


def _spread(ids: list[str], count: int, phase: float) -> list[str]:
    if count <= 0 or not ids:
        return []
    step = len(ids) / count
    return [ids[int(k * step + phase * step)] for k in range(min(count, len(ids)))]


@dataclass
class Marks:
    """Moments of a run: monotonic and epoch seconds, and the simulator's counts at each."""

    start: float
    warm: float
    switch: float | None
    end: float
    epochs: dict[str, float]
    sim: dict[str, dict[str, Any]]
    cpu: dict[str, dict[str, float]]


def main(argv: list[str] | None = None) -> int:
    common.install_signal_exit()
    options = parse_args(argv)
    busy = common.wait_for_quiet(options.quiet_wait)
    report = run(options)
    report["machine"]["busy_cores_before"] = round(busy, 2)
    print_report(report)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


def run(options: argparse.Namespace) -> dict[str, Any]:
    """One benchmark run from a fresh database to a stopped app; returns the figures."""
    counts = fleet_counts(options)
    with ExitStack() as stack:
        space = stack.enter_context(common.workspace(counts, options.latency_ms, options.seed))
        workdir, sim = space.workdir, space.sim
        env = space.app_env()
        env["DATABASE_CONN_MAX_AGE"] = str(options.conn_max_age)
        common.setup_django(env)
        from bench import inprocess

        stack.callback(inprocess.close)
        fleet = sim.get("/_sim/fleet")
        bookmarks = inprocess.prepare(fleet, options.viewers, options.interval)
        modes = failure_modes(fleet, options.hang, options.failing)
        fetch_log = inprocess.FetchLog()
        watched = {}
        if options.collector:
            command = [common.PYTHON, "manage.py", "collect"]
            collector = stack.enter_context(common.child(command, workdir / "collector.log", env))
            watched["collector"] = collector.pid
        with common.gunicorn(workdir, env, options.workers, options.threads) as app:
            watched.update(app=app.process.pid, simulator=sim.process.pid, bench=os.getpid())
            sessions = _log_in(app.url, options.viewers + 1)
            samples: list[Sample] = []
            longest = max(bookmark.interval_s for bookmark in bookmarks)
            fetch_log.start()
            marks = _drive(options, app, sim, sessions, modes, samples, longest, watched)
            fetch_log.stop()
        recorded = Recorded(
            options, counts, bookmarks, modes, samples, marks, common.server_log_counts(app.log)
        )
        recorded.fetch_starts = fetch_log.starts
        if options.samples:
            _write_samples(options.samples, samples, marks)
        report = build_report(recorded, common.read_access_log(app.access_log), inprocess)
        if options.keep:
            inprocess.close()
            shutil.copytree(workdir, options.keep, ignore=shutil.ignore_patterns("static"))
        return report


@dataclass
class Recorded:
    options: argparse.Namespace
    counts: dict[str, int]
    bookmarks: list
    modes: dict[str, str]
    samples: list[Sample]
    marks: Marks
    server_log: dict[str, int]
    fetch_starts: dict[int, list[float]] = field(default_factory=dict)


def _log_in(base_url: str, count: int) -> list:
    """Logged-in sessions: one per viewer, and one more (viewer0 again) for the dashboard probe."""
    from bench.inprocess import PASSWORD, username

    names = [username(i) for i in range(count - 1)] + [username(0)]
    with ThreadPoolExecutor(LOGIN_THREADS) as pool:
        return list(pool.map(lambda name: login(base_url, name, PASSWORD), names, timeout=300))


def _drive(
    options: argparse.Namespace,
    app: common.Gunicorn,
    sim: common.Simulator,
    sessions: list,
    modes: dict[str, str],
    samples: list[Sample],
    interval_s: int,
    watched: dict[str, int],
) -> Marks:
    """Run the viewers for T seconds; the hang scenario turns its hung runners on halfway.

    Upstream requests are counted over whole intervals from the warm-up (or the switch): fetches
    of all runners start together, so a window with a partial interval would skew the count.
    """
    hang_later = options.scenario == "hang"
    _set_modes(sim, modes, include_hang=not hang_later)
    start = time.monotonic() + 1.0
    end = start + options.seconds
    warm = start + options.warmup
    switch = warm + (end - warm) / 2 if hang_later else None
    threads = _start_viewers(options, app.url, sessions, samples, start, end)
    marks = Marks(start, warm, switch, end, {}, {}, {})
    _mark_at(marks, "warm", warm, sim, watched)
    if switch is not None:
        _mark_at(marks, "switch", switch, sim, watched)
        _set_modes(sim, modes, include_hang=True)
    counted_from = switch or warm
    whole = int((end - counted_from) // interval_s) * interval_s
    if 0 < whole < end - counted_from - 0.5:
        _mark_at(marks, "counted", counted_from + whole, sim, watched)
    _mark_at(marks, "end", end, sim, watched)
    marks.sim.setdefault("counted", marks.sim["end"])
    marks.epochs.setdefault("counted", marks.epochs["end"])
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()) + 70)
    return marks


def _set_modes(sim: common.Simulator, modes: dict[str, str], *, include_hang: bool) -> None:
    for sim_id, mode in modes.items():
        if include_hang or mode != "hang":
            sim.set_mode(sim_id, mode)


def _start_viewers(
    options: argparse.Namespace,
    base_url: str,
    sessions: list,
    samples: list[Sample],
    start: float,
    end: float,
) -> list[threading.Thread]:
    # People open the page at different moments: viewers start spread over the first interval.
    spread = min(options.interval, options.seconds / 4)
    path = "/" if options.view == "cards" else "/?view=table"
    targets = [
        (
            Viewer(i, base_url, sessions[i], samples.append, path).run,
            start + spread * i / options.viewers,
        )
        for i in range(options.viewers)
    ]
    probe = DashboardProbe(base_url, sessions[-1], samples.append, options.dashboard_every)
    targets.append((probe.run, start + options.warmup))
    threads = [
        threading.Thread(target=target, args=(begin, end), daemon=True) for target, begin in targets
    ]
    for thread in threads:
        thread.start()
    return threads


def _mark_at(
    marks: Marks, name: str, at: float, sim: common.Simulator, watched: dict[str, int]
) -> None:
    """Note the moment, the simulator's counts and the CPU used by each watched process."""
    time.sleep(max(0.0, at - time.monotonic()))
    marks.epochs[name] = time.time()
    marks.sim[name] = sim.get("/_sim/stats", window=10)
    cpu = {process: common.cpu_seconds(pid) for process, pid in watched.items()}
    marks.cpu[name] = {**cpu, "all": common.system_busy_seconds()}


def _write_samples(path: Path, samples: list[Sample], marks: Marks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        for sample in samples:
            record = {**asdict(sample), "t": round(sample.sent - marks.start, 3)}
            out.write(json.dumps(record) + "\n")


# --- figures -------------------------------------------------------------------------------------


def build_report(recorded: Recorded, access_rows: list, inprocess: Any) -> dict[str, Any]:
    options, marks = recorded.options, recorded.marks
    since = "switch" if marks.switch is not None else "warm"
    return {
        "scenario": options.scenario,
        "command": " ".join(["python -m bench.fleet", *sys.argv[1:]]),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()},
        "machine": {"cpus": os.cpu_count(), "database": _database_kind()},
        "fleet": recorded.counts,
        "failure_modes": dict(Counter(recorded.modes.values())),
        "intervals_s": dict(Counter(b.interval_s for b in recorded.bookmarks)),
        "upstream": _upstream(recorded, since, inprocess),
        "client_ms": analysis.client_latencies(recorded.samples, marks.warm),
        "first_dashboard_ms": _first_loads(recorded.samples),
        "server_ms": analysis.server_times(access_rows, marks.epochs["warm"]),
        "tick_s": _tick_s(recorded),
        "load": _load(recorded),
        "trigger_to_change": _changes(recorded),
        "views_in_process": inprocess.view_costs(),
    }


def _database_kind() -> str:
    from django.db import connection

    return connection.vendor


def _upstream(recorded: Recorded, since: str, inprocess: Any) -> dict[str, Any]:
    marks, bookmarks, modes = recorded.marks, recorded.bookmarks, recorded.modes
    begin, end = marks.sim[since]["per_runner"], marks.sim["counted"]["per_runner"]
    in_window = {sim_id: count - begin.get(sim_id, 0) for sim_id, count in end.items()}
    epochs = (marks.epochs[since], marks.epochs["counted"])
    final = marks.sim["end"]
    return {
        "window_s": round(epochs[1] - epochs[0], 1),
        "fetches_per_runner_per_interval": analysis.fetch_ratios(
            bookmarks, modes, in_window, epochs[1] - epochs[0]
        ),
        "snapshot_rate_per_interval": analysis.db_rate_ratios(
            bookmarks, modes, inprocess.snapshot_times(*epochs)
        ),
        "snapshots_vs_fetches": analysis.snapshots_vs_fetches(
            bookmarks, modes, in_window, inprocess.snapshots_per_runner(*epochs)
        ),
        "requests_whole_run": final["requests"],
        "comfycontrol_window_max": final["comfycontrol_window_max"],
        "comfycontrol_429": final["comfycontrol_429"],
        "comfycontrol_statuses": final["statuses"].get("comfycontrol", {}),
    }


def _first_loads(samples: list[Sample]) -> dict[str, float]:
    return percentiles([s.latency_ms for s in samples if s.reason == "page" and s.status == 200])


def _load(recorded: Recorded) -> dict[str, Any]:
    options, marks = recorded.options, recorded.marks
    seconds = marks.epochs["end"] - marks.epochs["warm"]
    used = {name: marks.cpu["end"][name] - marks.cpu["warm"][name] for name in marks.cpu["end"]}
    # Whatever else ran on the machine meanwhile (other people's jobs would skew the figures).
    used["other"] = used.pop("all") - sum(used.values())
    cpu = {name: round(value / seconds, 2) for name, value in used.items()}
    tick_s = _tick_s(recorded)
    return {
        **analysis.rates(recorded.samples, marks.warm, marks.end, tick_s),
        "client_retries": RETRIES.count,
        "server_log": recorded.server_log,
        "expected_polls_per_s": round(options.viewers / tick_s, 2),
        "cpu_cores": cpu,
    }


def _tick_s(recorded: Recorded) -> int:
    """The dashboard's poll tick once every runner has been fetched (hung ones too: a timeout
    is recorded as a fetch), as the product works it out from the runners' intervals."""
    from runners.cards.cursor import steady_tick

    return steady_tick(bookmark.interval_s for bookmark in recorded.bookmarks)


def _changes(recorded: Recorded) -> dict[str, Any]:
    marks, samples, starts = recorded.marks, recorded.samples, recorded.fetch_starts
    intervals = {
        b.pk: b.interval_s for b in recorded.bookmarks if recorded.modes.get(b.sim_id, "ok") == "ok"
    }
    phases = {"all": (marks.warm, marks.end)}
    if marks.switch is not None:
        phases = {"before_hang": (marks.warm, marks.switch), "with_hang": (marks.switch, marks.end)}
    return {
        name: analysis.trigger_to_change(samples, intervals, starts, window)
        for name, window in phases.items()
    }


# --- printing ------------------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    options, upstream, load = report["options"], report["upstream"], report["load"]
    print(f"\n== {report['command']}")
    print(
        f"   {options['runners']} runners {report['fleet']}, modes {report['failure_modes']}, "
        f"{options['viewers']} viewers, {options['seconds']:.0f} s, "
        f"interval {options['interval']} s "
        f"(effective {report['intervals_s']}), upstream latency {options['latency_ms']} ms, "
        f"{report['machine']['database']}, {report['machine']['cpus']} CPUs"
    )
    print(
        f"   page polls {load['poll_requests_per_s']}/s (one per viewer per {report['tick_s']} s "
        f"tick: {load['expected_polls_per_s']}/s), {load['polls_per_viewer_per_tick']} per "
        f"viewer per tick, {load['poll_200_share']} answered 200, errors {load['poll_errors']}, "
        f"ticks dropped {load['dropped_ticks']}, CPU cores {load['cpu_cores']}"
    )
    print(f"   client retries {load['client_retries']}, gunicorn log {load['server_log']}")
    print(f"   upstream (window {upstream['window_s']} s):")
    for group, figures in upstream["fetches_per_runner_per_interval"].items():
        print(f"     fetches/runner/interval, {group}: {figures}")
    print(f"     snapshot rate/interval (DB): {upstream['snapshot_rate_per_interval']}")
    print(f"     snapshots vs fetches: {upstream['snapshots_vs_fetches']}")
    print(
        f"     whole run: {upstream['requests_whole_run']}, ComfyControl busiest 10 s "
        f"{upstream['comfycontrol_window_max']}, 429s {upstream['comfycontrol_429']}"
    )
    _print_table("client latency after warm-up, ms (loopback)", report["client_ms"])
    _print_table("server time in gunicorn worker, ms", report["server_ms"])
    print(f"   first dashboard load, client ms: {report['first_dashboard_ms']}")
    for phase, figures in report["trigger_to_change"].items():
        timed = {name: value for name, value in figures.items() if name != "skipped"}
        _print_table(f"healthy trigger→change, {phase} (skipped {figures['skipped']})", timed)
    _print_views(report["views_in_process"])
    print("   budgets:")
    for what, budget, measured, passed in analysis.budget_lines(report):
        verdict = {True: "pass", False: "MISS", None: "n/a"}[passed]
        print(f"     [{verdict:4}] {what}: {measured} (budget {budget})")


def _print_table(title: str, rows: dict[str, dict[str, Any]]) -> None:
    print(f"   {title}:")
    for name, figures in rows.items():
        cells = "  ".join(f"{key} {value}" for key, value in figures.items())
        print(f"     {name:24} {cells}")


def _print_views(views: dict[str, Any]) -> None:
    print("   in-process (test client, no HTTP, no load):")
    for size, figures in views["dashboard"].items():
        print(
            f"     dashboard N={size}: {figures['bytes']} B; cards cached: "
            f"{figures['queries_warm']} queries, ms {figures['ms']}; no card cached: "
            f"{figures['queries']} queries, ms {figures['ms_cold']}"
        )
    for name in ("poll_204", "poll_200_changes", "poll_200_grid"):
        if name in views:
            figures = views[name]
            print(
                f"     {name}: cached {figures['queries_warm']} queries, ms {figures['ms']}; "
                f"not cached {figures['queries']} queries, ms {figures['ms_cold']}"
            )
    print(f"     cards marked (stretched): {views['stretched_cards']}")


if __name__ == "__main__":
    sys.exit(main())
