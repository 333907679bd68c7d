"""The simulator as an HTTP server and as a command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest
import requests

from simulator import SimulatorServer
from tests.simulator import (
    cc,
    direct,
    plain_direct,
)

# HTTP


def test_every_answer_declares_its_length_for_keep_alive(
    sim: SimulatorServer, http: requests.Session
) -> None:
    responses = [
        cc(sim, http, "/v1/runner"),
        cc(sim, http, "/v1/runner", token=None),
        direct(sim, http, plain_direct(sim.fleet), "/api/nothing"),
        http.get(f"{sim.base_url}/elsewhere", timeout=5),
    ]

    assert all(r.raw.version == 11 and "Content-Length" in r.headers for r in responses)
    assert all(r.headers.get("Connection") != "close" for r in responses)


# `manage.py simulate` exists only with DEBUG on, where the devtools app is installed.
@pytest.mark.parametrize(
    ("entry_point", "debug"),
    [(["-m", "simulator"], "0"), (["manage.py", "simulate"], "1")],
    ids=["python -m simulator", "manage.py simulate"],
)
def test_simulator_serves_from_the_command_line_until_sigterm(
    entry_point: list[str], debug: str
) -> None:
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, *entry_point, "--port", "0", "--direct", "2", "--seed", "1"]
    env = {**os.environ, "DEBUG": debug}
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        banner = read_until(process.stdout, "Press Ctrl+C")
        url = re.search(r"ComfyControl API\s+(\S+)", banner)
        described = requests.get(f"{url[1] if url else ''}/_sim/fleet", timeout=5).json()
        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0
    assert [r["id"] for r in described["runners"] if r["kind"] == "direct"] == [
        "direct-1",
        "direct-2",
    ]


def read_until(stream: IO[str], marker: str) -> str:
    lines = []
    for line in stream:
        lines.append(line)
        if line.startswith(marker):
            break
    return "".join(lines)


def test_the_simulator_runs_without_django() -> None:
    code = "import sys, simulator.__main__; print('django' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
