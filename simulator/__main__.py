"""`python -m simulator`: serve a simulated fleet in the foreground until stopped."""

from __future__ import annotations

import argparse
import sys

from simulator.cli import DESCRIPTION, add_arguments, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=DESCRIPTION)
    add_arguments(parser)
    options = parser.parse_args(argv)
    try:
        serve(options, sys.stdout)
    except OSError as problem:
        parser.exit(1, f"cannot listen on {options.host}:{options.port}: {problem}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
