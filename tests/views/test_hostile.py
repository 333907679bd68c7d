"""A runner that answers with hostile strings and numbers still renders, escaped and sane."""

import pytest
from django.urls import reverse

from runners import polling
from runners.models import Membership, Runner
from runners.polling.importer import import_runners
from tests.factories import make_member, make_runner, make_team, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile(comfycontrol):
    team = make_team("Studio", slug="studio")
    sim_runner = comfycontrol.fleet.of_kind("direct")[0]
    comfycontrol.fleet.set_mode(sim_runner.id, "hostile")
    runner = make_runner(
        team,
        slug="evil",
        base_url=comfycontrol.direct_base_url(sim_runner.id),
        headers=dict(sim_runner.headers),
    )
    assert polling.refresh(runner).status == "ok"
    return team, runner


def test_the_dashboard_escapes_hostile_strings(client, hostile):
    team, _ = hostile
    client.force_login(make_member(team))

    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_the_runner_page_renders_ten_thousand_extensions_inside_the_layout(client, hostile):
    team, runner = hostile
    client.force_login(make_member(team, role=Membership.Role.OWNER))

    response = client.get(reverse("runner", args=[team.slug, runner.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "</html>" in page


def test_hostile_numbers_become_unknown_rather_than_absurd(hostile):
    _, runner = hostile
    stats = Runner.objects.get(pk=runner.pk).state.stats

    for device in stats["devices"]:
        for key in ("vram_total", "vram_free"):
            assert device[key] is None or 0 <= device[key] <= 2**62
        if device["vram_total"] is not None and device["vram_free"] is not None:
            assert device["vram_free"] <= device["vram_total"]


def test_hostile_names_from_a_comfycontrol_list_are_stored_as_text(comfycontrol, client):
    team = make_team("Imported", slug="imported")
    for sim_runner in comfycontrol.fleet.runners.values():
        comfycontrol.fleet.set_mode(sim_runner.id, "hostile")
    import_runners(make_token(team, secret="cfc_sim_pro"))
    client.force_login(make_member(team))

    page = client.get("/").content.decode()

    assert Runner.objects.filter(team=team).exists()
    assert "<script>alert" not in page
