"""ComfyControl tokens in the app: checked before saving, shown by label and last four
characters, replaced, deleted; "Import runners" off the request with its counts."""

import time

import pytest

from runners.models import ApiToken, AuditEntry, ImportJob, Membership, Runner
from runners.polling import import_jobs
from tests.factories import make_member, make_runner, make_token

pytestmark = pytest.mark.django_db

TOKENS = "/teams/studio/tokens/"


def test_a_token_comfycontrol_accepts_is_added_with_its_plan_shown(owner_client, comfycontrol):
    response = owner_client.post(TOKENS, {"label": "studio", "secret": "cfc_sim_plus"}, follow=True)

    token = ApiToken.objects.get()
    assert (token.label, token.secret, token.hint) == ("studio", "cfc_sim_plus", "plus")
    assert "ComfyControl plan plus" in response.content.decode()


def test_the_token_is_shown_by_label_and_last_four_characters_only(owner_client, comfycontrol):
    page = owner_client.post(TOKENS, {"label": "studio", "secret": "cfc_sim_pro"}, follow=True)

    html = page.content.decode()
    assert "…_pro" in html
    assert "cfc_sim_pro" not in html


def test_a_token_comfycontrol_refuses_is_not_saved(owner_client, comfycontrol):
    response = owner_client.post(TOKENS, {"label": "old", "secret": "cfc_sim_expired"})

    assert response.context["form"].errors["secret"] == [
        "ComfyControl refused this token: it is invalid or expired."
    ]
    assert not ApiToken.objects.exists()
    assert "cfc_sim_expired" not in response.content.decode()


def test_a_token_that_cannot_be_checked_says_why(owner_client, settings):
    settings.COMFYCONTROL_API_URL = "http://127.0.0.1:9"  # nothing listens on discard

    response = owner_client.post(TOKENS, {"label": "x", "secret": "cfc_sim_pro"})

    assert "The token could not be checked" in response.context["form"].errors["secret"][0]


def test_the_check_is_one_request_to_comfycontrol(owner_client, comfycontrol):
    owner_client.post(TOKENS, {"label": "studio", "secret": "cfc_sim_pro"})

    assert comfycontrol.fleet.stats()["requests"]["comfycontrol"] == 1


def test_a_label_the_team_already_has_is_refused(owner_client, team, comfycontrol):
    make_token(team, label="studio")

    response = owner_client.post(TOKENS, {"label": "studio", "secret": "cfc_sim_pro"})

    assert response.context["form"].errors["label"] == [
        "The team already has a token with this label."
    ]


def test_replacing_a_token_checks_the_new_one_and_lifts_a_refusal(owner_client, team, comfycontrol):
    from django.utils import timezone

    token = make_token(team, label="main", secret="cfc_sim_expired", rejected_at=timezone.now())

    owner_client.post(f"{TOKENS}{token.pk}/replace/", {f"t{token.pk}-secret": "cfc_sim_pro"})

    token.refresh_from_db()
    assert (token.secret, token.rejected_at) == ("cfc_sim_pro", None)
    assert AuditEntry.objects.get().action == "token_replaced"


def test_a_refused_replacement_keeps_the_old_token(owner_client, team, comfycontrol):
    token = make_token(team, label="main", secret="cfc_sim_pro")

    response = owner_client.post(
        f"{TOKENS}{token.pk}/replace/", {f"t{token.pk}-secret": "cfc_sim_expired"}
    )

    token.refresh_from_db()
    assert token.secret == "cfc_sim_pro"
    assert "ComfyControl refused this token" in response.content.decode()


def test_a_token_in_use_is_not_deleted(owner_client, team):
    runner = make_runner(team, source="managed")

    response = owner_client.post(f"{TOKENS}{runner.token.pk}/delete/", follow=True)

    assert ApiToken.objects.filter(pk=runner.token.pk).exists()
    assert "1 runner use this token" in response.content.decode()


def test_an_unused_token_is_deleted_and_noted(owner_client, team):
    token = make_token(team, label="spare")

    owner_client.post(f"{TOKENS}{token.pk}/delete/")

    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.get().subject == f"spare (…{token.hint})"


def test_a_member_cannot_see_the_tokens(client, team):
    client.force_login(make_member(team, role=Membership.Role.MEMBER))

    assert client.get(TOKENS).status_code == 403


def test_an_import_reports_created_updated_unchanged_and_removed(team, owner, comfycontrol):
    token = make_token(team, label="main", secret="cfc_sim_pro")
    make_runner(team, source="self_hosted", comfycontrol_id="gone", token=token)
    job = ImportJob.objects.create(token=token, started_by=owner)

    done = import_jobs.run(job.pk)

    assert (done.state, done.created, done.removed) == ("done", 6, 1)
    assert (done.listed, done.total) == (6, 6)
    assert AuditEntry.objects.get().action == "runners_imported"


def test_an_import_can_run_again(team, owner, comfycontrol):
    token = make_token(team, label="main", secret="cfc_sim_pro")
    import_jobs.run(ImportJob.objects.create(token=token).pk)

    again = import_jobs.run(ImportJob.objects.create(token=token).pk)

    assert (again.created, again.unchanged) == (0, 6)


def test_an_import_with_a_refused_token_fails_with_the_reason(team, comfycontrol):
    token = make_token(team, label="main", secret="cfc_sim_expired")

    failed = import_jobs.run(ImportJob.objects.create(token=token).pk)

    assert failed.state == "failed"
    assert "token" in failed.sentence


def test_an_import_started_while_one_runs_is_the_same_import(team, owner):
    token = make_token(team, label="main")

    first = import_jobs.start(token, owner)

    assert import_jobs.start(token, owner) == first


def test_an_import_abandoned_by_a_dead_process_is_shown_failed(team, owner):
    from django.utils import timezone

    token = make_token(team, label="main")
    ImportJob.objects.create(token=token, started_at=timezone.now() - import_jobs.ABANDONED_AFTER)

    assert import_jobs.latest(token).state == "failed"


@pytest.mark.django_db(transaction=True)
def test_the_import_button_runs_off_the_request_and_its_page_shows_the_counts(client, comfycontrol):
    from runners.models import Team

    team = Team.objects.create(name="Studio", slug="studio")
    client.force_login(make_member(team, role=Membership.Role.OWNER))
    token = make_token(team, label="main", secret="cfc_sim_pro")

    client.post(f"{TOKENS}{token.pk}/import/", headers={"HX-Request": "true"})
    status = f"{TOKENS}{token.pk}/import/status/"
    give_up_at = time.monotonic() + 20
    while "Importing" in (page := client.get(status).content.decode()):
        assert time.monotonic() < give_up_at, page
        time.sleep(0.1)

    assert "6 created, 0 updated, 0 unchanged, 0 removed upstream" in page
    assert Runner.objects.filter(team=team).count() == 6
