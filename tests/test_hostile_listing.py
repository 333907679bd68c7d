"""Names, tags and ids that ComfyControl sends are cleaned (or refused) before they are stored."""

import json

import pytest

from runners.models import Runner
from runners.polling.importer import import_runners
from runners.upstream import errors
from tests.factories import make_team, make_token

pytestmark = pytest.mark.django_db

# One of each class of character that runners.text.clean_text removes.
REMOVED = {
    "NUL": "\x00",
    "ESC": "\x1b",
    "bell": "\x07",
    "newline": "\n",
    "DEL": "\x7f",
    "C1 control": "\x9b",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "right-to-left mark": "\u200f",
    "left-to-right embedding": "\u202a",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "pop directional isolate": "\u2069",
    "byte order mark": "\ufeff",
}


@pytest.fixture
def account(httpserver, settings):
    """A ComfyControl API on loopback listing the given self-hosted runners, and no managed ones."""
    settings.COMFYCONTROL_API_URL = httpserver.url_for("").rstrip("/")
    token = make_token(make_team())

    def listing(*runners: dict) -> None:
        body = json.dumps({"runners": list(runners), "total": len(runners)})
        httpserver.expect_request("/v1/runner").respond_with_data(
            body, content_type="application/json"
        )
        httpserver.expect_request("/v1/managed-runner").respond_with_json(
            {"runners": [], "total": 0}
        )

    return token, listing


@pytest.mark.parametrize("char", REMOVED.values(), ids=REMOVED.keys())
def test_a_name_is_cleaned_of_every_character_class(account, char):
    token, listing = account
    listing({"id": "r-1", "name": f"Render{char}Box{char}", "tags": []})

    import_runners(token)

    assert Runner.objects.get(comfycontrol_id="r-1").name == "Render Box"


@pytest.mark.parametrize("char", REMOVED.values(), ids=REMOVED.keys())
def test_tags_are_cleaned_of_every_character_class(account, char):
    token, listing = account
    listing({"id": "r-1", "name": "Box", "tags": [f"gpu{char}", f"{char}", "prod"]})

    import_runners(token)

    assert Runner.objects.get(comfycontrol_id="r-1").tag_list == ["gpu", "prod"]


@pytest.mark.parametrize("char", REMOVED.values(), ids=REMOVED.keys())
def test_an_id_that_cleaning_would_change_is_refused(account, char):
    token, listing = account
    listing({"id": f"r-1{char}", "name": "Box", "tags": []})

    with pytest.raises(errors.BadResponse):
        import_runners(token)
    assert not Runner.objects.exists()


def test_a_name_and_tags_are_capped_to_what_is_stored(account):
    token, listing = account
    listing({"id": "r-1", "name": "N" * 5000, "tags": ["a,b", *["T" * 500] * 100]})

    import_runners(token)

    runner = Runner.objects.get(comfycontrol_id="r-1")
    assert len(runner.name) == 100
    assert runner.tag_list[0] == "a b"
    assert all(len(tag) <= 40 for tag in runner.tag_list)
    assert len(runner.tags) <= 300


def test_a_name_of_nothing_printable_falls_back_to_the_id(account):
    token, listing = account
    listing({"id": "r-1", "name": "\u202e\u200b\x00", "tags": []})

    import_runners(token)

    assert Runner.objects.get(comfycontrol_id="r-1").name == "r-1"
