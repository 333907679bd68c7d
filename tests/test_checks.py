from runners.checks import check_field_encryption_keys


def test_missing_encryption_keys_stop_start_up(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    errors = check_field_encryption_keys()

    assert [e.id for e in errors] == ["runners.E001"]


def test_malformed_encryption_key_is_reported_by_position(settings):
    settings.FIELD_ENCRYPTION_KEYS = [settings.FIELD_ENCRYPTION_KEYS[0], "not-a-key"]

    errors = check_field_encryption_keys()

    assert [e.msg for e in errors] == ["Key 2 of FIELD_ENCRYPTION_KEYS is not a valid Fernet key."]


def test_valid_keys_pass(settings):
    assert check_field_encryption_keys() == []
