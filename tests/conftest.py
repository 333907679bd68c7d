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
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def simulator():
    """A small simulated fleet on a free loopback port, with real time."""
    from runners.simulator import Fleet, SimulatorServer

    with SimulatorServer(Fleet.generate(managed=3, self_hosted=3, direct=4, seed=0)) as server:
        yield server


@pytest.fixture
def comfycontrol(simulator, settings):
    """The simulator, with COMFYCONTROL_API_URL pointing at it."""
    settings.COMFYCONTROL_API_URL = simulator.base_url
    return simulator
