"""Model fields whose values are encrypted in the database."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from runners import crypto


class Unreadable:
    """What an encrypted field holds when no configured key decrypts its column.

    Loading such a row works; using the value raises DecryptionError. Saving the row writes the
    ciphertext back unchanged, so the value returns once its key is configured again.
    """

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str) -> None:
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<unreadable>"


class EncryptedAttribute(DeferredAttribute):
    """Reading an Unreadable value raises DecryptionError: at use, never at load."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        value = super().__get__(instance, cls)
        if isinstance(value, Unreadable):
            raise crypto.DecryptionError(crypto.UNDECRYPTABLE)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; a value no key decrypts loads as Unreadable."""

    descriptor_class = EncryptedAttribute

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            return self.decode(crypto.decrypt(value))
        except crypto.DecryptionError:
            return Unreadable(value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Unreadable):
            return value.ciphertext
        return crypto.encrypt(self.encode(value))

    def value_from_object(self, obj: models.Model) -> Any:
        return obj.__dict__.get(self.attname)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return self.value_from_object(model_instance)

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


def is_readable(obj: models.Model, name: str) -> bool:
    """False when the field `name` of `obj` was loaded but no configured key decrypts it."""
    return not isinstance(obj.__dict__.get(name), Unreadable)
