"""Output files that are never left half-written: the package's one atomic writer.

Every output file is written to a temporary sibling (same folder, so the rename stays on
one file system), flushed to disk (``fsync``) and renamed over its target
(``os.replace``, atomic): a kill, an exception, a full disk or a file-size limit leaves
the old file (or none), never a truncated one, and no temporary file behind.
:func:`replace_together` does the same for a set of files (a report and its tables): all
are written first and renamed only when every one was written.

:func:`check_not_input` refuses an output path that names one of the run's inputs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_serial = itertools.count()  # distinct temporary names within one process


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.stem}.{os.getpid()}.{next(_serial)}.tmp{target.suffix}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path (same folder and suffix) to write; fsync it and rename it
    over ``path`` when the block succeeds, delete it when the block raises."""
    target = Path(path)
    tmp = _temporary(target)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _naming(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _naming(exc: OSError, target: Path) -> OSError:
    """``exc`` as raised for ``target`` (the file the user named, not its temporary): a
    failed write (disk full, file too large) says which output it was."""
    if exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror or os.strerror(exc.errno), str(target))


@contextmanager
def atomic_text(path: str | os.PathLike[str], *, newline: str | None = None
                ) -> Iterator[TextIO]:
    """A text file (UTF-8) opened for writing whose content replaces ``path`` atomically
    when the block ends without error."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as fh:
        yield fh


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_text(path) as fh:
        fh.write(text)


def replace_together(files: Mapping[str | os.PathLike[str], str]) -> None:
    """Write every ``{path: text}`` to a temporary sibling, then rename them all over their
    targets; when any write fails, no target is touched and the temporaries are removed."""
    staged: list[tuple[Path, Path]] = []
    target = Path()
    try:
        for path, text in files.items():
            target = Path(path)
            tmp = _temporary(target)
            staged.append((tmp, target))
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            _fsync_file(tmp)
        for tmp, target in staged:  # ``target``: the file whose rename failed
            os.replace(tmp, target)
    except BaseException as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(exc, target) from None
        raise
    for folder in {target.parent for _, target in staged}:
        _fsync_dir(folder)


def check_not_input(output: str | os.PathLike[str], inputs: Iterable[tuple[str, object]]
                    ) -> None:
    """Raise ValueError when ``output`` is the same file (``os.path.samefile``: links and
    other spellings included) as one of ``inputs``, given as ``(flag, path)`` pairs."""
    out = Path(output)
    if not out.exists():
        return
    for name, path in inputs:
        if path is None or str(path) in ("-", ":memory:"):
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(out, Path(str(path))):
                raise ValueError(f"{output} is the file given as {name}; "
                                 "writing it would destroy an input of this run")
