"""Encryption at rest for API tokens and runner headers (Fernet keys from FIELD_ENCRYPTION_KEYS)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

UNDECRYPTABLE = (
    "A stored secret could not be decrypted: FIELD_ENCRYPTION_KEYS lacks the key it was "
    "encrypted with."
)


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """Encrypt under the first (newest) key."""
    return _keys().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt with any configured key; raises DecryptionError, never returns the ciphertext."""
    try:
        return _keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(UNDECRYPTABLE) from None


def new_key() -> str:
    """A new random key for FIELD_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


def key_problems(keys: list[str]) -> list[str]:
    """Plain sentences describing what is wrong with a key list (empty when it is usable)."""
    if not keys:
        return ["FIELD_ENCRYPTION_KEYS is empty."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            problems.append(f"Key {position} of FIELD_ENCRYPTION_KEYS is not a valid Fernet key.")
    return problems
