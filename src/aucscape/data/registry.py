"""``load_dataset``: one entry point from a name, a CSV path or a stored description."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aucscape.data.credit_card import credit_card
from aucscape.data.dataset import DESCRIPTION_FORMAT, Dataset
from aucscape.data.files import from_arrays, from_csv
from aucscape.data.spiral import spiral

__all__ = ["DATASETS", "load_dataset"]

#: Named data sets, by the ``kind`` their descriptions carry.
DATASETS: dict[str, Callable[..., Dataset]] = {"spiral": spiral, "creditcard": credit_card}
_ALIASES = {"credit_card": "creditcard", "credit-card": "creditcard", "twospirals": "spiral"}
# description keys that record provenance rather than loader arguments
_META_KEYS = ("kind", "format", "sha256")


def load_dataset(spec: str | os.PathLike[str] | Mapping[str, Any], **kwargs: Any) -> Dataset:
    """Build a :class:`Dataset` from ``spec``.

    - ``"spiral"`` or ``"creditcard"``: the named loader, called with ``**kwargs``;
    - a path to a CSV file (``.csv`` / ``.csv.gz`` or any existing file): :func:`from_csv`;
    - a ``Dataset.description`` dict: rebuilds the identical data set (``kwargs``
      override its entries). For file-based data the file's sha256 must still match the
      recorded one, so a resumed run never silently uses changed data.
    """
    if isinstance(spec, Mapping):
        return _from_description(dict(spec), kwargs)
    if isinstance(spec, str) and _canonical_name(spec) in DATASETS:
        return DATASETS[_canonical_name(spec)](**kwargs)
    if isinstance(spec, (str, os.PathLike)):
        p = Path(spec).expanduser()
        if p.is_file() or p.name.lower().endswith((".csv", ".csv.gz", ".gz", ".txt")):
            return from_csv(p, **kwargs)
        raise ValueError(
            f"unknown data set {str(spec)!r}: expected one of {sorted(DATASETS)}, "
            "a CSV file path, or a description dict"
        )
    raise ValueError(
        f"load_dataset expects a name, a path or a description dict, got {type(spec).__name__}"
    )


def _canonical_name(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def _from_description(description: dict[str, Any], overrides: dict[str, Any]) -> Dataset:
    kind = description.get("kind")
    if kind is None:
        raise ValueError(f"description has no 'kind' entry: {sorted(description)}")
    fmt = description.get("format", DESCRIPTION_FORMAT)
    if fmt != DESCRIPTION_FORMAT:
        raise ValueError(
            f"description format {fmt!r} is not supported (this version reads {DESCRIPTION_FORMAT})"
        )
    params = {k: v for k, v in description.items() if k not in _META_KEYS}
    params.update(overrides)
    if kind == "csv":
        ds = from_csv(params.pop("path"), **params)
    elif kind == "arrays":
        data = params.pop("data", None)
        if data is None:
            raise ValueError(
                "this from_arrays data set was not embedded in its description (too large, "
                "or embed=False), so it cannot be rebuilt; pass the arrays to from_arrays "
                "again or save them to CSV and use from_csv"
            )
        ds = from_arrays(
            data["X"],
            data["y"],
            X_test=data.get("X_test"),
            y_test=data.get("y_test"),
            embed=True,
            **params,
        )
    elif kind in DATASETS:
        ds = DATASETS[kind](**params)
    else:
        raise ValueError(
            f"unknown description kind {kind!r}; known: {sorted([*DATASETS, 'csv', 'arrays'])}"
        )
    recorded = description.get("sha256")
    if recorded is not None and ds.description.get("sha256") != recorded:
        where = ds.description.get("path") or ds.name
        raise ValueError(
            f"the data behind this description changed: {where} now has sha256 "
            f"{ds.description.get('sha256')}, the description recorded {recorded}"
        )
    return ds
