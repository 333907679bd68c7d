"""The audit trail: who did what and when, for owners, never with a secret in it."""

import pytest

from runners.models import Membership
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_the_trail_holds_no_secret_value(owner_client, team, comfycontrol):
    owner_client.post("/teams/studio/tokens/", {"label": "main", "secret": "cfc_sim_pro"})
    owner_client.post(
        "/teams/studio/runners/add/",
        {"name": "Box", "base_url": "http://10.0.0.5:8188", "poll_interval": 30,
         "headers_text": "Authorization: Bearer proxy-secret-9", "action": "save"},
    )  # fmt: skip

    page = owner_client.get("/teams/studio/audit/").content.decode()

    assert "added token main (…_pro)" in page
    assert "added runner Box" in page
    assert "cfc_sim_pro" not in page and "proxy-secret-9" not in page


def test_the_trail_is_for_owners(client, team):
    client.force_login(make_member(team, role=Membership.Role.MEMBER))

    assert client.get("/teams/studio/audit/").status_code == 403
