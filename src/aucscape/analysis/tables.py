"""Plain-text tables and CSV / JSON writers shared by the analysis layer and the CLI.

:func:`format_table` lays out rows under headers (numbers right-aligned, text left-aligned,
``None`` and NaN shown as ``-``); :func:`write_csv` / :func:`read_csv` store one row per
record with full float precision (``repr``, so a round trip is exact); :func:`write_json`
writes strict JSON (NaN and inf become ``null``). A path of ``"-"`` means standard output.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .._files import atomic_text

__all__ = ["format_cell", "format_table", "read_csv", "to_jsonable", "write_csv", "write_json"]

MISSING = "-"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def format_cell(value: Any, floatfmt: str = ".6g") -> str:
    """One cell as text: floats with ``floatfmt``, None/NaN as ``-``, bools as yes/no."""
    if value is None:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return MISSING
        return format(float(value), floatfmt)
    return str(value)


def format_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    floatfmt: str | Sequence[str] = ".6g",
    title: str | None = None,
) -> str:
    """Rows under headers in aligned columns, separated by two spaces, with a rule.

    ``floatfmt`` is one format spec for every float or one per column. A column is
    right-aligned when every non-missing cell in it is a number. Every row must have
    ``len(headers)`` cells (ValueError otherwise).
    """
    ncol = len(headers)
    if ncol == 0:
        raise ValueError("headers must not be empty")
    fmts = [floatfmt] * ncol if isinstance(floatfmt, str) else list(floatfmt)
    if len(fmts) != ncol:
        raise ValueError(f"floatfmt has {len(fmts)} entries for {ncol} columns")
    for i, row in enumerate(rows):
        if len(row) != ncol:
            raise ValueError(f"row {i} has {len(row)} cells, expected {ncol} (headers)")
    cells = [[format_cell(v, fmts[j]) for j, v in enumerate(row)] for row in rows]
    numeric = [
        all(_is_number(row[j]) or row[j] is None for row in rows) for j in range(ncol)
    ]
    widths = [max([len(str(h))] + [len(r[j]) for r in cells]) for j, h in enumerate(headers)]

    def line(items: Sequence[str]) -> str:
        parts = [
            s.rjust(widths[j]) if numeric[j] else s.ljust(widths[j]) for j, s in enumerate(items)
        ]
        return "  ".join(parts).rstrip()

    out = [] if title is None else [title]
    out.append(line([str(h) for h in headers]))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # shortest repr that round-trips exactly
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


@contextmanager
def _output(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """A text file opened for writing, or standard output for ``"-"``."""
    if str(path) == "-":
        yield sys.stdout
        return
    p = Path(path)
    if not p.resolve().parent.is_dir():
        raise FileNotFoundError(f"cannot write {p}: directory {p.parent} does not exist")
    with atomic_text(p, newline="") as fh:  # never a half-written file
        yield fh


def write_csv(
    path: str | os.PathLike[str],
    records: Sequence[Mapping[str, Any]],
    fieldnames: Sequence[str] | None = None,
) -> None:
    """One CSV row per record (header = ``fieldnames`` or the first record's keys).

    Floats are written with ``repr`` (exact round trip), None as an empty field.
    """
    if fieldnames is None:
        if not records:
            raise ValueError("fieldnames are needed to write an empty CSV")
        fieldnames = list(records[0].keys())
    fields = list(fieldnames)
    with _output(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(fields)
        for i, rec in enumerate(records):
            missing = [f for f in fields if f not in rec]
            if missing:
                raise ValueError(f"record {i} lacks fields {missing}")
            writer.writerow([_csv_value(rec[f]) for f in fields])


def _parse(text: str) -> Any:
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records written by :func:`write_csv`: ints, floats, bools and None restored."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def to_jsonable(obj: Any) -> Any:
    """Strict-JSON form of ``obj``: the one sanitiser for every JSON the package writes.

    Recursively: mappings → dicts with ``str`` keys, tuples/lists/arrays → lists, NumPy
    scalars → Python scalars (``.item()``), NaN and ±inf → None; anything else unchanged.

    >>> to_jsonable({"a": (np.float64(1.5), np.nan), 2: np.arange(2), "ok": np.bool_(True)})
    {'a': [1.5, None], '2': [0, 1], 'ok': True}
    """
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Strict JSON (indent 2, sorted keys) of ``obj`` after :func:`to_jsonable`."""
    text = json.dumps(to_jsonable(obj), indent=2, sort_keys=True, allow_nan=False)
    with _output(path) as fh:
        fh.write(text + "\n")
