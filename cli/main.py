"""Command line entry point: ``python -m renewal <command> ...``.

Errors the user can fix (:class:`renewal.errors.InputError`) are printed in
English on stderr with exit code 2 and change nothing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from pathlib import Path

import cli.commands as commands_pkg
from renewal.errors import InputError

log = logging.getLogger("renewal")


def command_modules() -> list[str]:
    """The command modules, in name order (helpers starting with ``_`` are not commands)."""
    names = sorted(m.name for m in pkgutil.iter_modules(commands_pkg.__path__) if not m.name.startswith("_"))
    return [f"{commands_pkg.__name__}.{n}" for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m renewal",
        description="Hedong urban-renewal GIS platform: command line tools.",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="workspace folder (default: $RENEWAL_WORKSPACE or ./workspace beside the app)",
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="team database postgresql://user@host:5432/db (default: $RENEWAL_DATABASE_URL; "
        "without either, the workspace's GeoPackage)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for modname in command_modules():
        importlib.import_module(modname).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RecursionError:
        print("error: the input is nested too deeply to read", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, no permission, a folder given as a file: a message, not a traceback
        where = f": {err.filename}" if err.filename else ""
        print(f"error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
