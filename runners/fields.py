"""Model fields whose values are encrypted in the database."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from runners import crypto


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; reading with a wrong key raises DecryptionError."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.decode(crypto.decrypt(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return crypto.encrypt(self.encode(value))

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, plaintext: str) -> Any:
        return plaintext


class EncryptedJSONField(EncryptedTextField):
    """A JSON document (runner headers) stored encrypted as a whole."""

    def encode(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True)

    def decode(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
