"""Secrets never reach a page, a share page, an admin list, or an error sentence."""

import pytest
from django.urls import reverse

from devtools.seeding import seed_fleet
from runners import polling, sharing
from runners.models import ApiToken, GpuSample, Membership, Runner, RunnerState, ShareLink, Snapshot
from tests.factories import TEST_TOKEN, make_member, make_runner, make_team, make_token, make_user

pytestmark = pytest.mark.django_db

HEADER_SECRET = "Bearer proxy-secret-header-9Zq"
ARGV_SECRET = "sim-argv-secret"


@pytest.fixture
def world(comfycontrol):
    team = make_team("Studio", slug="studio")
    make_token(team, secret=TEST_TOKEN, label="main")
    seed_fleet(team, comfycontrol.fleet.describe(comfycontrol.base_url))
    proxied = comfycontrol.fleet.of_kind("direct")[1]
    runner = make_runner(
        team,
        name="Proxied",
        slug="proxied",
        base_url=comfycontrol.direct_base_url(proxied.id),
        headers={**proxied.headers, "X-Extra": HEADER_SECRET},
    )
    for each in Runner.objects.all():
        polling.refresh(each)
    _, share_token = sharing.create_link(runner, None, "client", None)
    return team, runner, share_token


def secrets_of(comfycontrol) -> list[str]:
    values = [TEST_TOKEN, HEADER_SECRET, "cfc_sim_pro"]
    for sim_runner in comfycontrol.fleet.runners.values():
        values += [v.split()[-1] for v in sim_runner.headers.values()]
    return values


def assert_no_secret(text: str, secrets: list[str]) -> None:
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked


def page_urls(team, share_token) -> list[str]:
    urls = ["/", "/poll/", f"/s/{share_token}/", f"/s/{share_token}/poll/"]
    for runner in Runner.objects.filter(team=team):
        urls += [
            reverse("runner", args=[team.slug, runner.slug]),
            reverse("runner-poll", args=[team.slug, runner.slug]),
        ]
    return urls


def test_no_page_shows_a_token_or_header_value(client, comfycontrol, world):
    team, _, share_token = world
    client.force_login(make_member(team, role=Membership.Role.OWNER))

    for url in page_urls(team, share_token):
        assert_no_secret(client.get(url).content.decode(), secrets_of(comfycontrol))


def test_argv_is_shown_to_owners_only_never_to_members_or_share_pages(client, world):
    team, _, _ = world
    with_argv = [r for r in Runner.objects.filter(team=team, source="direct")
                 if ARGV_SECRET in str(r.state.raw)]  # fmt: skip
    assert with_argv
    url = reverse("runner", args=[team.slug, with_argv[0].slug])

    client.force_login(make_member(team, role=Membership.Role.MEMBER))
    assert ARGV_SECRET not in client.get(url).content.decode()
    client.force_login(make_member(team, role=Membership.Role.OWNER))
    assert ARGV_SECRET in client.get(url).content.decode()
    share = sharing.create_link(with_argv[0], None, "", None)[1]
    client.logout()
    assert ARGV_SECRET not in client.get(f"/s/{share}/").content.decode()


def test_admin_lists_and_forms_show_hints_only(client, comfycontrol, world):
    _, runner, _ = world
    client.force_login(make_user(is_staff=True, is_superuser=True))
    token = ApiToken.objects.get(label="main")
    urls = [
        reverse(f"admin:runners_{model._meta.model_name}_changelist")
        for model in (ApiToken, Runner, RunnerState, Snapshot, GpuSample, ShareLink)
    ] + [
        reverse("admin:runners_apitoken_change", args=[token.pk]),
        reverse("admin:runners_runner_change", args=[runner.pk]),
        reverse("admin:runners_runnerstate_change", args=[runner.pk]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), secrets_of(comfycontrol))
    assert "…7Qx9" in client.get(urls[0]).content.decode()


def test_error_sentences_and_details_hold_no_secret(comfycontrol, world):
    team, _, _ = world
    comfycontrol.fleet.set_comfycontrol_mode("status:401")
    for each in Runner.objects.filter(team=team):
        RunnerState.objects.filter(pk=each.pk).update(fetched_at=None)
        polling.refresh(Runner.objects.get(pk=each.pk))

    for state in RunnerState.objects.all():
        assert_no_secret(state.error_sentence + state.error_detail, secrets_of(comfycontrol))
