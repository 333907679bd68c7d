import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from runners.crypto import DecryptionError
from runners.models import ApiToken, Runner
from tests.factories import TEST_TOKEN, make_runner, make_team, make_token

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_token_plaintext_is_absent_from_the_database_row():
    token = make_token(make_team())

    stored = raw_column("runners_apitoken", "secret", token.pk)

    assert TEST_TOKEN not in stored
    assert ApiToken.objects.get(pk=token.pk).secret == TEST_TOKEN


def test_runner_header_values_are_absent_from_the_database_row():
    runner = make_runner(make_team(), headers={"Authorization": "Bearer proxy-secret-1234"})

    stored = raw_column("runners_runner", "headers", runner.pk)

    assert "proxy-secret-1234" not in stored
    assert "Authorization" not in stored
    assert Runner.objects.get(pk=runner.pk).headers == {"Authorization": "Bearer proxy-secret-1234"}


def test_token_keeps_a_hint_of_its_last_four_characters():
    token = make_token(make_team(), secret="cfc_abcdefgh1234")

    assert token.hint == "1234"


def test_loading_with_a_wrong_key_works_and_using_the_secret_raises(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = make_token(make_team())

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    loaded = ApiToken.objects.get(pk=token.pk)

    assert not loaded.secret_is_readable
    with pytest.raises(DecryptionError):
        _ = loaded.secret


def test_using_headers_no_key_decrypts_raises(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    runner = make_runner(make_team(), headers={"X-Proxy": "hidden-value"})

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    loaded = Runner.objects.get(pk=runner.pk)

    with pytest.raises(DecryptionError):
        _ = loaded.headers


def test_saving_other_fields_keeps_an_unreadable_value_for_its_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    runner = make_runner(make_team(), headers={"X-Proxy": "hidden-value"})
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    loaded = Runner.objects.get(pk=runner.pk)
    loaded.name = "Renamed"
    loaded.save()

    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    assert Runner.objects.get(pk=runner.pk).headers == {"X-Proxy": "hidden-value"}


def test_rotation_leaves_rows_no_key_decrypts_as_they_are(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    team = make_team()
    lost = make_token(team, secret="cfc_lost_secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    kept = make_token(team, secret="cfc_kept_secret")

    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert ApiToken.objects.get(pk=kept.pk).secret == "cfc_kept_secret"
    assert not ApiToken.objects.get(pk=lost.pk).secret_is_readable
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    assert ApiToken.objects.get(pk=lost.pk).secret == "cfc_lost_secret"


def test_rotation_re_encrypts_every_row_under_the_first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    team = make_team()
    tokens = [make_token(team, secret=f"cfc_secret_{i}") for i in range(3)]
    runner = make_runner(team, headers={"X-Proxy": "hidden-value"})
    before = [raw_column("runners_apitoken", "secret", t.pk) for t in tokens]

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    after = [raw_column("runners_apitoken", "secret", t.pk) for t in tokens]
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert [ApiToken.objects.get(pk=t.pk).secret for t in tokens] == [
        "cfc_secret_0", "cfc_secret_1", "cfc_secret_2",
    ]  # fmt: skip
    assert Runner.objects.get(pk=runner.pk).headers == {"X-Proxy": "hidden-value"}
