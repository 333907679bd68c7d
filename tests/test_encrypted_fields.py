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


def test_reading_with_a_wrong_key_raises(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = make_token(make_team())

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(DecryptionError):
        ApiToken.objects.get(pk=token.pk)


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
