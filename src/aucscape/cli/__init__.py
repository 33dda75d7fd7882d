"""The ``aucscape`` command: one sub-command per module in this package.

Each sub-command module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable ``(args) -> int``. Errors the user can fix (bad arguments, missing
or foreign files, invalid configs) are raised as :class:`CLIError` or ``ValueError`` and
reported as one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from .. import __version__

# Sub-command modules, in the order they appear in --help.
COMMANDS = ("demo", "explore", "analyze", "connect", "graph", "export", "import_", "reproduce")


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    from ._common import one_line_errors

    parser = argparse.ArgumentParser(
        prog="aucscape",
        description=(
            "Train on the area under the ROC curve and map why it works: explore the "
            "loss-function landscape of AUC surrogate losses (minima, transition states, "
            "disconnectivity graphs) and reproduce Niroomand et al. (2022)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(parser)  # e.g. an unknown command: one line, exit status 2
    parser.add_argument("--version", action="version", version=f"aucscape {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = import_module(f"aucscape.cli.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not present yet
            if exc.name == f"aucscape.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CLIError, ValueError, FileNotFoundError) as exc:
        print(f"aucscape {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aucscape {args.command}: interrupted; work stored so far is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
