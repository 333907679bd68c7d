"""Start-up with DEBUG off: the server refuses to start without usable encryption keys."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"FIELD_ENCRYPTION_KEYS", "DEBUG"}}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DEBUG": "0", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_wsgi_application_refuses_to_load_without_keys():
    result = run(["-c", "import comfyweb.wsgi"], FIELD_ENCRYPTION_KEYS="")

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is empty" in result.stderr
    assert "manage.py generate_field_key" in result.stderr


def test_the_wsgi_application_refuses_to_load_with_a_malformed_key():
    result = run(["-c", "import comfyweb.wsgi"], FIELD_ENCRYPTION_KEYS="not-a-key")

    assert result.returncode != 0
    assert "Key 1 of FIELD_ENCRYPTION_KEYS is not a valid Fernet key" in result.stderr


def test_the_wsgi_application_loads_with_a_valid_key():
    key = Fernet.generate_key().decode()

    assert run(["-c", "import comfyweb.wsgi"], FIELD_ENCRYPTION_KEYS=key).returncode == 0


def test_a_key_can_be_generated_before_any_key_or_secret_exists():
    result = run(["manage.py", "generate_field_key"], FIELD_ENCRYPTION_KEYS="", SECRET_KEY="")

    assert result.returncode == 0, result.stderr
    Fernet(result.stdout.strip())
