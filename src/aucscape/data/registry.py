"""``load_dataset``: the one decoder of data-set names, CSV paths and stored descriptions.

Every caller that turns a user's data-set spec into a :class:`Dataset` (the CLI's
``--dataset``, a study config's ``[datasets.NAME]`` table, a database's recorded
description) goes through :func:`load_dataset`; :func:`dataset_options` tells, from the
same decoding, which keyword options the loader behind a spec accepts.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aucscape.data.credit_card import credit_card
from aucscape.data.dataset import DESCRIPTION_FORMAT, Dataset
from aucscape.data.files import from_arrays, from_csv
from aucscape.data.spiral import spiral

__all__ = ["DATASETS", "dataset_options", "load_dataset"]

#: Named data sets, by the ``kind`` their descriptions carry.
DATASETS: dict[str, Callable[..., Dataset]] = {"spiral": spiral, "creditcard": credit_card}
_ALIASES = {"credit_card": "creditcard", "credit-card": "creditcard", "twospirals": "spiral"}
# description keys that record provenance rather than loader arguments
_META_KEYS = ("kind", "format", "sha256")
# entries a description holds besides the loader's keyword options
_DESCRIPTION_ONLY = {"csv": ("path",), "arrays": ("data",)}


def load_dataset(spec: str | os.PathLike[str] | Mapping[str, Any], **kwargs: Any) -> Dataset:
    """Build a :class:`Dataset` from ``spec``.

    - ``"spiral"`` or ``"creditcard"`` (any case; aliases ``credit_card``, ``credit-card``,
      ``twospirals``): the named loader, called with ``**kwargs``;
    - a path to a CSV file (``.csv`` / ``.csv.gz`` or any existing file): :func:`from_csv`;
    - a ``Dataset.description`` dict, or a config table ``{"kind": ..., **options}`` with
      kind ``spiral``, ``creditcard``, ``csv`` (with ``path``) or ``arrays``: rebuilds the
      identical data set (``kwargs`` override its entries). For file-based data the file's
      sha256 must still match the recorded one, so a resumed run never silently uses
      changed data.

    A keyword (or description entry) the loader does not take is refused with a ValueError
    naming it and the options it does take, before any data are read; a missing file
    raises FileNotFoundError naming the path.

    >>> load_dataset("spiral", points_per_arm=20).X_train.shape
    (32, 2)
    """
    loader, label = _decode(spec)
    options = _options(loader)
    given = set(kwargs)
    if isinstance(spec, Mapping):  # its entries are options too, besides provenance keys
        options = (*options, *_DESCRIPTION_ONLY.get(spec["kind"], ()))
        given |= set(spec) - set(_META_KEYS)
    unknown = sorted(given - set(options))
    if unknown:
        raise ValueError(
            f"data set {label} has no option {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(options)}"
        )
    if isinstance(spec, Mapping):
        return _from_description(dict(spec), kwargs)
    if loader is from_csv:
        return from_csv(Path(spec).expanduser(), **kwargs)
    return loader(**kwargs)


def dataset_options(spec: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[str, ...]:
    """The keyword options :func:`load_dataset` accepts for ``spec`` (decoded the same way).

    >>> "noise" in dataset_options("spiral"), "noise" in dataset_options("creditcard")
    (True, False)
    """
    return _options(_decode(spec)[0])


def _options(loader: Callable[..., Dataset]) -> tuple[str, ...]:
    """Keyword parameter names of a loader (``from_csv``'s path is given by the spec)."""
    params = inspect.signature(loader).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    skip = ("path",) if loader is from_csv else ("X", "y")
    return tuple(p.name for p in params if p.kind in kinds and p.name not in skip)


def _decode(spec: Any) -> tuple[Callable[..., Dataset], str]:
    """(loader, label for messages) of a name, a CSV path or a description dict."""
    if isinstance(spec, Mapping):
        kind = spec.get("kind")
        if kind is None:
            raise ValueError(f"description has no 'kind' entry: {sorted(spec)}")
        loaders: dict[str, Callable[..., Dataset]] = {**DATASETS, "csv": from_csv,
                                                      "arrays": from_arrays}
        if kind not in loaders:
            raise ValueError(
                f"unknown description kind {kind!r}; known: {sorted(loaders)}"
            )
        return loaders[kind], repr(kind)
    if isinstance(spec, str) and _canonical_name(spec) in DATASETS:
        return DATASETS[_canonical_name(spec)], repr(_canonical_name(spec))
    if isinstance(spec, (str, os.PathLike)):
        p = Path(spec).expanduser()
        if p.is_dir():
            raise ValueError(f"data set {str(spec)!r} is a directory, not a CSV file")
        if p.is_file() or p.name.lower().endswith((".csv", ".csv.gz", ".gz", ".txt")):
            return from_csv, repr(str(spec))
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
    kind = description["kind"]  # checked by _decode
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
    else:
        ds = DATASETS[kind](**params)
    recorded = description.get("sha256")
    if recorded is not None and ds.description.get("sha256") != recorded:
        where = ds.description.get("path") or ds.name
        raise ValueError(
            f"the data behind this description changed: {where} now has sha256 "
            f"{ds.description.get('sha256')}, the description recorded {recorded}"
        )
    return ds
