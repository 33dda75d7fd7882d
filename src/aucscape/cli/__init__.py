"""The ``aucscape`` command: one sub-command per module in this package.

Each sub-command module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable ``(args) -> int``. Errors the user can fix (bad arguments, missing
or foreign files, invalid configs, sizes that cannot fit) are raised as :class:`CLIError`,
``FileNotFoundError``, or a ``ValueError`` (or subclass: ``StoreError``, ``ConfigError``,
...) by a ``raise`` statement of aucscape's own checks, and reported as one line on stderr
with exit status 2 (:func:`is_input_error`). A ``ValueError`` from inside NumPy, SciPy or
another library (or re-raised from a worker process) means an input the package failed to
check, i.e. a bug, and surfaces as a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from .. import __version__

# Sub-command modules, in the order they appear in --help.
COMMANDS = ("demo", "explore", "analyze", "grow", "connect", "graph", "export", "import_",
            "reproduce")


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def is_input_error(exc: BaseException) -> bool:
    """True for the errors reported as one line: CLIError, FileNotFoundError, and a
    ValueError raised by a ``raise`` statement in the aucscape package (the innermost frame
    of its traceback), i.e. by one of the package's own input checks."""
    if isinstance(exc, (CLIError, FileNotFoundError)):
        return True
    if not isinstance(exc, ValueError) or exc.__traceback__ is None:
        return False
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    if not Path(frame.filename).resolve().is_relative_to(_PACKAGE_DIR):
        return False
    return frame.line is None or frame.line.lstrip().startswith("raise")


#: Operating-system errors that are the environment's, not a bug: reported as one line.
_ENVIRONMENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EFBIG, errno.EROFS,
                       errno.EDQUOT, errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG,
                       errno.EIO, errno.EMFILE, errno.ENFILE, errno.ETXTBSY, errno.EBUSY}


def environment_error(exc: BaseException, db: str | None = None) -> str | None:
    """The one-line message (file and cause) for an error of the file system or of SQLite
    on the database ``db`` (permission denied, disk full, file too large, read-only, ...);
    None for any other error (a bug, shown as a traceback)."""
    if type(exc) in (sqlite3.OperationalError, sqlite3.DatabaseError):  # not a misuse (bug)
        where = f"--db {db}" if db else "database"
        return f"{where}: {exc} (SQLite)"
    if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
        name = exc.filename if exc.filename is not None else "a file"
        extra = f" -> {exc.filename2}" if exc.filename2 is not None else ""
        return f"{name}{extra}: {exc.strerror or os.strerror(exc.errno)}"
    return None


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
    from ..parallel import Terminated, ending_workers_on_signals

    try:
        with ending_workers_on_signals():  # SIGTERM: like Ctrl-C, workers ended
            return int(args.func(args) or 0)
    except (CLIError, ValueError, FileNotFoundError) as exc:
        if not is_input_error(exc):
            raise
        print(f"aucscape {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        message = environment_error(exc, getattr(args, "db", None))
        if message is None:
            raise
        print(f"aucscape {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"aucscape {args.command}: interrupted; work stored so far is kept", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
