"""Shared pieces of the benchmarks: child processes, a fresh database, the simulator, percentiles.

Every child process is started in its own session and stopped by its own id, whatever happens.
"""

from __future__ import annotations

import ctypes
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
HOST = "127.0.0.1"
# Any Fernet key will do: the benchmark database lives only as long as the run.
FIELD_KEY = "YmVuY2gtb25seS1maWVsZC1rZXktMDAwMDAwMDAwMDA="
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def percentiles(values: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[str, float]:
    """Nearest-rank percentiles, e.g. {"p50": .., "p95": .., "p99": .., "n": ..}."""
    ordered = sorted(values)
    result: dict[str, float] = {"n": len(ordered)}
    for point in points:
        if ordered:
            rank = max(0, min(len(ordered) - 1, -(-point * len(ordered) // 100) - 1))
            result[f"p{point}"] = round(ordered[rank], 2)
        else:
            result[f"p{point}"] = float("nan")
    return result


def install_signal_exit() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit so that `with` blocks clean up as on Ctrl-C."""
    # A shell without job control starts background jobs with SIGINT ignored; Ctrl-C must work.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit)


@contextmanager
def child(args: Sequence[str], log_path: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run a process with its output in `log_path`; terminate it (then kill it) on the way out."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
            preexec_fn=_die_with_parent,
        )
    try:
        yield process
    finally:
        stop_process(process)


def _die_with_parent() -> None:
    # If this process is killed outright (SIGKILL), the kernel still stops its children.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(process: subprocess.Popen, grace_s: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def wait_for_line(path: Path, pattern: str, process: subprocess.Popen, timeout_s: float) -> str:
    """The first match of `pattern` in a child's log; raises RuntimeError if it never comes."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        match = regex.search(path.read_text(errors="replace"))
        if match:
            return match[1]
        if process.poll() is not None:
            break
        time.sleep(0.1)
    tail = path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{process.args[:3]} did not print {pattern!r}:\n{tail}")


def wait_for_http(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        with suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


@dataclass(frozen=True)
class Bookmark:
    pk: int
    sim_id: str
    kind: str  # the simulator's kind: managed, self_hosted, direct
    legacy: bool
    interval_s: int  # the effective interval, stretched for ComfyControl's budget


# --- the simulator ---------------------------------------------------------------------------


@dataclass
class Simulator:
    url: str
    process: subprocess.Popen

    def get(self, path: str, **params: Any) -> Any:
        response = requests.get(f"{self.url}{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.post(f"{self.url}{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_mode(self, runner_id: str, mode: str) -> None:
        self.post(f"/_sim/runners/{runner_id}/mode", {"mode": mode})


@contextmanager
def simulator(
    workdir: Path, env: dict[str, str], counts: dict[str, int], latency_ms: int, seed: int
) -> Iterator[Simulator]:
    """`python -m simulator` on a free port, in its own process (so its GIL is its own)."""
    log_path = workdir / "simulator.log"
    args = [PYTHON, "-m", "simulator", "--port", "0", "--seed", str(seed)]
    args += ["--latency-ms", str(latency_ms)]
    args += [f"--{kind.replace('_', '-')}={count}" for kind, count in counts.items()]
    with child(args, log_path, env) as process:
        url = wait_for_line(log_path, r"ComfyControl API\s+(http://\S+)", process, 60)
        yield Simulator(url, process)


# --- the app under gunicorn ------------------------------------------------------------------

ACCESS_LINE = re.compile(r"^\[([^\]]+)\] (\S+) (\d+) (\d+)$")
ACCESS_LOG_FORMAT = "%(t)s %(U)s %(s)s %(D)s"  # time, path, status, microseconds in the worker


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen
    access_log: Path
    log: Path


@contextmanager
def gunicorn(workdir: Path, env: dict[str, str], workers: int, threads: int) -> Iterator[Gunicorn]:
    port = free_port()
    access_log = workdir / "access.log"
    args = [
        str(Path(PYTHON).parent / "gunicorn"),
        "comfyweb.wsgi",
        "--bind", f"{HOST}:{port}",
        "--worker-class", "gthread",
        "--workers", str(workers),
        "--threads", str(threads),
        "--pythonpath", str(ROOT),
        "--graceful-timeout", "10",
        "--access-logfile", str(access_log),
        "--access-logformat", ACCESS_LOG_FORMAT,
    ]  # fmt: skip
    log = workdir / "gunicorn.log"
    with child(args, log, env) as process:
        url = f"http://{HOST}:{port}"
        wait_for_http(f"{url}/login/", process, 60)
        yield Gunicorn(url, process, access_log, log)


def server_log_counts(path: Path) -> dict[str, int]:
    """Worker restarts and errors in gunicorn's own log: overload shows up here first."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return {
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "workers_booted": text.count("Booting worker"),
        "errors": text.count("[ERROR]") + text.count(" ERROR "),
        "tracebacks": text.count("Traceback"),
    }


def read_access_log(path: Path) -> list[tuple[float, str, int, float]]:
    """(epoch second, path, status, server milliseconds) per request gunicorn logged."""
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        match = ACCESS_LINE.match(line)
        if match:
            when = datetime.strptime(match[1], "%d/%b/%Y:%H:%M:%S %z").timestamp()
            rows.append((when, match[2], int(match[3]), int(match[4]) / 1000))
    return rows


# --- environment and database ----------------------------------------------------------------


def app_env(database_url: str, comfycontrol_url: str, static_root: Path) -> dict[str, str]:
    """The environment of every process of the run: production-like settings on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "COMFYCONTROL_", "UPSTREAM_", "EGRESS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        PYTHONPATH=str(ROOT),
        BENCH_STATIC_ROOT=str(static_root),
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=FIELD_KEY,
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        EGRESS_ALLOW_LOOPBACK="1",
        COMFYCONTROL_API_URL=comfycontrol_url,
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def fresh_database(workdir: Path) -> Iterator[str]:
    """A temporary SQLite file, or a new database beside the one DATABASE_URL names (PostgreSQL)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"comfyweb_bench_{os.getpid()}"
    parts = urlsplit(base)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Workspace:
    """A run's temporary folder, its fresh database and its simulated fleet."""

    workdir: Path
    database_url: str
    sim: Simulator

    @property
    def static_root(self) -> Path:
        return self.workdir / "static"

    def app_env(self) -> dict[str, str]:
        return app_env(self.database_url, self.sim.url, self.static_root)


@contextmanager
def workspace(counts: dict[str, int], latency_ms: int, seed: int) -> Iterator[Workspace]:
    """Everything a run needs before the app starts; removed and dropped afterwards."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="comfyweb-bench-")))
        database_url = stack.enter_context(fresh_database(workdir))
        # The simulator serves ComfyControl itself, so the URL it is given goes unused.
        sim_env = app_env(database_url, "http://127.0.0.1:9", workdir / "static")
        sim = stack.enter_context(simulator(workdir, sim_env, counts, latency_ms, seed))
        yield Workspace(workdir, database_url, sim)


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process with the run's environment (once per process)."""
    os.environ.update(env)
    import django

    django.setup()


# --- CPU use of processes, from /proc ----------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its live child processes."""
    total = _own_cpu(pid)
    for child_pid in _children(pid):
        total += _own_cpu(child_pid)
    return total


def system_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat): others' load shows here."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait_s: float = 600, busy_cores: float = 0.3, sample_s: float = 5) -> float:
    """Wait until the machine is nearly idle (others' benchmarks would skew ours), at most
    `max_wait_s`; returns the busy cores of the last sample."""
    deadline = time.monotonic() + max_wait_s
    if max_wait_s <= 0:
        sample_s = 1
    while True:
        before = system_busy_seconds()
        time.sleep(sample_s)
        busy = (system_busy_seconds() - before) / sample_s
        if busy < busy_cores or time.monotonic() > deadline:
            return busy
        print(f"   waiting for a quiet machine: {busy:.2f} cores busy", flush=True)


def _own_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found
