import pytest

from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

POLL_WAIT_MS = 15_000  # a 5 s interval, a fetch, and slack for a busy machine


@pytest.fixture
def dashboard(fleet, member, page, log_in):
    return log_in(page, member)


def pin_gpu_usage(fleet, simulated_id: str, used_fraction: float) -> None:
    total = fleet.runner(simulated_id).machine.gpu.vram_total
    fleet.set_vram_free(simulated_id, 0, int(total * (1 - used_fraction)))


def test_a_card_shows_new_numbers_after_the_runner_changes(dashboard, fleet, bookmark_of):
    pin_gpu_usage(fleet, "direct-2", 0.0)
    dashboard.goto("/")
    gpu = dashboard.locator(f"#card-{bookmark_of('direct-2').pk} .meter-row").first
    expect(gpu).to_contain_text("23.6 GiB free of 23.6 GiB · 0 % used")

    pin_gpu_usage(fleet, "direct-2", 1.0)

    expect(gpu).to_contain_text("0.0 GiB free of 23.6 GiB · 100 % used", timeout=POLL_WAIT_MS)


def test_a_hanging_runner_shows_a_timeout_while_other_cards_keep_updating(
    dashboard, fleet, bookmark_of, settings
):
    settings.UPSTREAM_DEADLINE = 1
    fleet.set_mode("direct-1", "hang")
    pin_gpu_usage(fleet, "direct-2", 0.0)
    dashboard.goto("/")
    hanging = dashboard.locator(f"#card-{bookmark_of('direct-1').pk}")
    healthy_gpu = dashboard.locator(f"#card-{bookmark_of('direct-2').pk} .meter-row").first
    expect(healthy_gpu).to_contain_text("· 0 % used")

    pin_gpu_usage(fleet, "direct-2", 1.0)

    expect(hanging.locator(".badge")).to_have_text("Timeout")
    expect(hanging.locator(".sentence")).to_have_text("127.0.0.1 did not answer in time.")
    expect(healthy_gpu).to_contain_text("· 100 % used", timeout=POLL_WAIT_MS)
    expect(hanging.locator(".badge")).to_have_text("Timeout")
