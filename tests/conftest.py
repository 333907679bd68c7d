import logging

import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Hashed static names need `collectstatic`; tests serve the source files as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # The rate budget and leases live in the cache, which is Redis in CI and shared between tests.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_process_memory():
    # What a process keeps between requests starts empty in each test, as the database does:
    # its last reading of the collector's heartbeat, and the rows that dashboard polls share.
    from runners.fleet import rows
    from runners.polling import background

    background._beat_seen = (float("-inf"), False)
    rows._shared.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def comfyui(httpserver):
    """A ComfyUI 0.3.64 server on CPU: system stats and extensions, 404 for the rest."""
    from tests.bodies import serve_comfyui_cpu

    httpserver.no_handler_status_code = 404
    serve_comfyui_cpu(httpserver)
    return httpserver


@pytest.fixture
def short_deadline(settings):
    """Upstream timeouts short enough for hanging runners, long enough for loopback."""
    settings.UPSTREAM_CONNECT_TIMEOUT = 0.5
    settings.UPSTREAM_READ_TIMEOUT = 0.5
    settings.UPSTREAM_DEADLINE = 1.0


@pytest.fixture
def runner():
    """A direct runner in a team of its own; modules that need another kind define their own."""
    from tests.factories import make_runner, make_team

    return make_runner(make_team())


@pytest.fixture
def simulator():
    """A small simulated fleet on a free loopback port, with real time."""
    from simulator import Fleet, SimulatorServer

    with SimulatorServer(Fleet.generate(managed=3, self_hosted=3, direct=4, seed=0)) as server:
        yield server


@pytest.fixture
def comfycontrol(simulator, settings):
    """The simulator, with COMFYCONTROL_API_URL pointing at it."""
    settings.COMFYCONTROL_API_URL = simulator.base_url
    return simulator


# Secret values the suite uses; no log line may ever contain one (checked when the run ends).
LOGGED_SECRETS = (
    "cfc_test_token_do_not_leak",
    "proxy-secret",
    "sim-secret-",
    "sim-proxy-",
    "sim-argv-secret",
    "cfc_sim_pro",
    "s3cr3t",  # the path of an alert channel's webhook URL
)


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_log_lines = _LogLines()


@pytest.fixture(scope="session", autouse=True)
def _capture_every_log_line():
    # Attached after Django has configured logging, which replaces the root logger's handlers.
    logging.getLogger().addHandler(_log_lines)
    yield
    logging.getLogger().removeHandler(_log_lines)


def pytest_sessionfinish(session: pytest.Session) -> None:
    leaks = [line for line in _log_lines.lines if any(s in line for s in LOGGED_SECRETS)]
    if leaks:
        print(f"\n{len(leaks)} log lines hold a secret; the first: {leaks[0][:300]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
