#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["generate_field_key"]:
        # Runs without settings: it makes the key that settings require when DEBUG is off.
        from runners.crypto import new_key

        print(new_key())
        sys.exit(0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
