"""Serving a fleet in the foreground: `python -m simulator` and `manage.py simulate` share this."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TextIO

from simulator.fleet import Fleet
from simulator.runner import SimRunner
from simulator.server import HOST, SimulatorServer

DESCRIPTION = (
    "Serve a simulated fleet: the ComfyControl API, direct ComfyUI runners and a control API "
    "under /_sim/ (GET /_sim/fleet describes runners and tokens as JSON). "
    "Stops on SIGINT or SIGTERM."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of both entry points."""
    parser.add_argument("--port", type=int, default=8188, help="0 picks a free port")
    parser.add_argument("--host", default=HOST, help="address to listen on (default: %(default)s)")
    parser.add_argument("--managed", type=int, default=3)
    parser.add_argument("--self-hosted", type=int, default=3)
    parser.add_argument("--direct", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every answer")


def serve(options: argparse.Namespace, out: TextIO) -> None:
    """Serve until SIGINT or SIGTERM; raises OSError when the address cannot be bound."""
    fleet = Fleet.generate(
        managed=options.managed,
        self_hosted=options.self_hosted,
        direct=options.direct,
        seed=options.seed,
    )
    fleet.set_latency(options.latency_ms)
    server = SimulatorServer(fleet, port=options.port, host=options.host)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        out.write(summary(server, options.seed) + "\n")
        out.flush()
        while not stop.wait(0.5):
            pass
    out.write("Simulator stopped.\n")


def summary(server: SimulatorServer, seed: int) -> str:
    fleet = server.fleet
    counts = ", ".join(
        f"{len(fleet.of_kind(kind))} {kind.replace('_', '-')}"
        for kind in ("managed", "self_hosted", "direct")
    )
    tokens = ", ".join(
        f"{t.value} ({t.tier}{', expired' if t.expired else ''})" for t in fleet.tokens.values()
    )
    lines = [
        f"Simulated fleet (seed {seed}): {counts} runners",
        f"  ComfyControl API  {server.base_url}  (COMFYCONTROL_API_URL)",
        f"  tokens            {tokens}",
        *(
            f"  {r.id:<17} {server.direct_base_url(r.id)}  {r.name}{_notes(r)}"
            for r in fleet.of_kind("direct")
        ),
        f"  control           {server.base_url}/_sim/fleet, /_sim/stats",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


def _notes(runner: SimRunner) -> str:
    notes = [f"needs {name} header" for name in runner.headers]
    if runner.legacy:
        notes.append("legacy: no /api/ routes")
    if runner.multi_user:
        notes.append("--multi-user: settings need a comfy-user header")
    return f"  [{'; '.join(notes)}]" if notes else ""
