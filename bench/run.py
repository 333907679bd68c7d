"""`make bench`: the benchmark set, each run in its own process, then a summary of the budgets.

    .venv/bin/python -m bench.run              # the quick fleet set, about 11 minutes on 2 cores
    .venv/bin/python -m bench.run --full       # the fleet set behind docs/benchmarks.md, ~25 min
    .venv/bin/python -m bench.run --only hang  # named fleet runs only

Run from the repository root. Figures go to bench/results/<run>.json (git-ignored). Unless
--only is given, bench.history (about 7 minutes) and bench.collector (about 4) run afterwards,
with their own defaults and outputs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Waiting for a quiet machine (up to 600 s), migrate, seed, log in, stop: a run must never hang.
SETUP_ALLOWANCE_S = 900

QUICK = {
    "fleet-v1": ["100", "1", "60"],
    "fleet-v10": ["100", "10", "90"],
    "fleet-v50": ["100", "50", "90"],
    "budget": ["--scenario", "budget", "200", "3", "100"],
    "hang": ["--scenario", "hang", "--latency-ms", "100", "100", "3", "120"],
}
FULL = {
    "fleet-v1": ["100", "1", "150"],
    "fleet-v10": ["100", "10", "150"],
    "fleet-v50": ["100", "50", "150"],
    "fleet-v50-30s": ["--interval", "30", "100", "50", "150"],
    "fleet-v50-conn0": ["--conn-max-age", "0", "100", "50", "90"],
    "budget": ["--scenario", "budget", "200", "5", "150"],
    "hang": ["--scenario", "hang", "--latency-ms", "100", "100", "3", "160"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="the longer set of the docs")
    parser.add_argument("--only", nargs="+", help="run only these fleet runs (no others)")
    options = parser.parse_args()
    runs = FULL if options.full else QUICK
    names = [name for name in runs if not options.only or name in options.only]
    RESULTS.mkdir(exist_ok=True)
    failed = [name for name in names if not run_fleet(name, runs[name])]
    others = [] if options.only else ["bench.history", "bench.collector"]
    others_ok = all([run_other(script) for script in others])
    print_summary(names)
    return 1 if failed or not others_ok else 0


def run_fleet(name: str, args: list[str]) -> bool:
    seconds = float(args[-1])  # T comes last in every run above
    _path(name).unlink(missing_ok=True)  # a failed run must not leave an old run's figures
    command = [sys.executable, "-m", "bench.fleet", *args, "--json", str(_path(name))]
    print(f"\n### {name}: {' '.join(command[1:])}", flush=True)
    return run_bounded(command, seconds + SETUP_ALLOWANCE_S, name)


def run_other(module: str) -> bool:
    """The history or collector benchmark, with its own defaults."""
    print(f"\n### {module}", flush=True)
    return run_bounded([sys.executable, "-m", module], 1800, module)


def run_bounded(command: list[str], timeout_s: float, name: str) -> bool:
    """Run a benchmark; past `timeout_s`, SIGTERM it so that it stops its own children."""
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        return process.wait(timeout_s) == 0
    except subprocess.TimeoutExpired:
        print(f"### {name}: did not finish in {timeout_s:.0f} s; stopping it", flush=True)
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        return False


def _path(name: str) -> Path:
    return RESULTS / f"{name}.json"


def print_summary(names: list[str]) -> None:
    from bench.analysis import budget_lines

    print("\n### summary (budgets of DESIGN.md; details above and in bench/results/)")
    for name in names:
        path = _path(name)
        if not path.exists():
            print(f"{name}: no figures (the run failed)")
            continue
        report = json.loads(path.read_text())
        load = report["load"]
        print(
            f"{name}: page polls {load['poll_requests_per_s']}/s "
            f"({load['polls_per_viewer_per_tick']} per viewer per tick), CPU cores "
            f"{load['cpu_cores']}"
        )
        for what, budget, measured, passed in budget_lines(report):
            verdict = {True: "pass", False: "MISS", None: "n/a"}[passed]
            print(f"  [{verdict:4}] {what}: {measured} (budget {budget})")


if __name__ == "__main__":
    sys.exit(main())
