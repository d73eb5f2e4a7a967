"""The `optunagui` command line.

Every module `optunagui/cli/cmd_*.py` adds its subcommands through `register(subparsers)`;
a subcommand sets `handler` (a function of the parsed arguments returning an exit code).
A handler raises `CliError` for a problem the person at the command line can fix: it is
printed as one line, without a traceback, and its exit code returned.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from optunagui.cli._runs import CliError, print_error
from optunagui.config import SettingsError, private_files

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optunagui", description="Hyperparameter tuning without writing tuning code."
    )
    parser.add_argument(
        "--server", metavar="URL",
        help="drive the OptunaGui server at URL through its API instead of the local database "
             "(status, stop, best, runs, pause, resume, features); the token comes from "
             "OPTUNAGUI_TOKEN")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package_path = __path__
    for module_info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        with private_files():
            return int(handler(args) or 0)
    except CliError as error:
        print_error(str(error))
        return error.exit_code
    except SettingsError as error:
        print_error(str(error))
        return 2
    except Exception as error:
        if not _is_store_error(error):
            raise
        print_error(str(error))  # e.g. the database's disk is full, its server is away
        return 1


def _is_store_error(error: Exception) -> bool:
    """A database error in the store's own words (the store is imported lazily: only a
    command that imported it can raise one)."""
    errors = sys.modules.get("optunagui.store.errors")
    return errors is not None and isinstance(error, errors.StoreError)


if __name__ == "__main__":
    sys.exit(main())
