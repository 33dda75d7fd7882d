"""PATHSAMPLE / disconnectionDPS interchange files.

- ``min.data``: one line per minimum, ``E  ln(prod lambda_k)  h  Ixx Iyy Izz`` with the sum
  of ln over the positive Hessian eigenvalues (LPPHE), point-group order h = 1 and zero
  moments of inertia (a network has no rotational degrees of freedom);
- ``ts.data``: one line per transition state, ``E  ln(prod lambda_k)  h  min1  min2  Ixx
  Iyy Izz`` with the two minima as 1-based line numbers of ``min.data``;
- ``points.min`` / ``points.ts``: coordinates as Fortran unformatted direct-access records
  of length n_params * 8 bytes, i.e. plain contiguous little-endian float64 with no record
  markers, one record per stationary point in the flat parameter order.

Numbers are written with 17 significant digits so that a write/read round trip is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from .._files import atomic_path, write_text_atomic
from ..protocols import FloatArray, Objective
from ..spectrum import hessian_summary
from .identity import DEFAULT_EDIFFTOL, energy_window, find_same
from .minimize import rms
from .ts.symmetry import aligned_distance

if TYPE_CHECKING:
    from .store import Store

MIN_DATA, TS_DATA, POINTS_MIN, POINTS_TS = "min.data", "ts.data", "points.min", "points.ts"


@dataclass
class PathsampleData:
    """A network as PATHSAMPLE sees it. ``ts_pairs`` are 0-based row indices of the minima;
    coordinates are (n_min, n_params) / (n_ts, n_params) arrays, or None when absent."""

    min_energies: FloatArray
    min_lpphe: FloatArray
    ts_energies: FloatArray
    ts_lpphe: FloatArray
    ts_pairs: NDArray[np.int64]
    min_coords: FloatArray | None = None
    ts_coords: FloatArray | None = None

    def __post_init__(self) -> None:
        self.min_energies = np.asarray(self.min_energies, dtype=np.float64).ravel()
        self.min_lpphe = np.asarray(self.min_lpphe, dtype=np.float64).ravel()
        self.ts_energies = np.asarray(self.ts_energies, dtype=np.float64).ravel()
        self.ts_lpphe = np.asarray(self.ts_lpphe, dtype=np.float64).ravel()
        pairs = np.asarray(self.ts_pairs, dtype=np.int64)
        self.ts_pairs = pairs.reshape(0, 2) if pairs.size == 0 else pairs
        n, m = self.min_energies.size, self.ts_energies.size
        if self.min_lpphe.size != n:
            raise ValueError(f"min_lpphe has {self.min_lpphe.size} entries, expected {n}")
        if self.ts_lpphe.size != m:
            raise ValueError(f"ts_lpphe has {self.ts_lpphe.size} entries, expected {m}")
        if self.ts_pairs.shape != (m, 2):
            raise ValueError(f"ts_pairs must have shape ({m}, 2), got {self.ts_pairs.shape}")
        if m and (self.ts_pairs.min() < 0 or self.ts_pairs.max() >= n):
            raise ValueError(f"ts_pairs holds minimum indices outside 0..{n - 1}")
        for name in ("min_energies", "min_lpphe", "ts_energies", "ts_lpphe"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name} contains NaN or inf")
        for name, rows in (("min_coords", n), ("ts_coords", m)):
            c = getattr(self, name)
            if c is not None:
                c = np.asarray(c, dtype=np.float64)
                if c.ndim != 2 or c.shape[0] != rows:
                    raise ValueError(f"{name} must have shape ({rows}, n_params), got {c.shape}")
                setattr(self, name, c)
        if (self.min_coords is not None and self.ts_coords is not None
                and m and self.min_coords.shape[1] != self.ts_coords.shape[1]):
            raise ValueError("min_coords and ts_coords have different numbers of parameters")


def _fmt(v: float) -> str:
    return f"{v:.17g}"


def write_pathsample(directory: str | Path, data: PathsampleData) -> list[Path]:
    """Write min.data, ts.data and (when coordinates are present) points.min / points.ts into
    ``directory`` (created if needed); return the paths written."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = [d / MIN_DATA, d / TS_DATA]
    write_text_atomic(written[0], "".join(
        f"{_fmt(e)} {_fmt(lp)} 1 0.0 0.0 0.0\n"
        for e, lp in zip(data.min_energies, data.min_lpphe, strict=True)))
    write_text_atomic(written[1], "".join(
        f"{_fmt(e)} {_fmt(lp)} 1 {int(a) + 1} {int(b) + 1} 0.0 0.0 0.0\n"
        for e, lp, (a, b) in zip(data.ts_energies, data.ts_lpphe, data.ts_pairs, strict=True)))
    for name, coords in ((POINTS_MIN, data.min_coords), (POINTS_TS, data.ts_coords)):
        if coords is not None:
            with atomic_path(d / name) as tmp:
                np.ascontiguousarray(coords, dtype="<f8").tofile(tmp)
            written.append(d / name)
    return written


def _read_table(path: Path, n_cols: int) -> NDArray[np.float64]:
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.replace("D", "E").replace("d", "e").split()
            if not parts:
                continue
            if len(parts) < n_cols:
                raise ValueError(f"{path}:{lineno}: expected {n_cols} columns, got {len(parts)}")
            try:
                rows.append([float(p) for p in parts[:n_cols]])
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: not a number ({exc})") from exc
    return np.array(rows, dtype=np.float64).reshape(len(rows), n_cols)


def _read_points(path: Path, rows: int) -> FloatArray | None:
    if not path.exists():
        return None
    flat = np.fromfile(path, dtype="<f8")
    if rows == 0:
        if flat.size:
            _bad_points(path, flat.size, rows)
        return None
    if flat.size % rows:
        _bad_points(path, flat.size, rows)
    return flat.reshape(rows, flat.size // rows).astype(np.float64)


def _bad_points(path: Path, size: int, rows: int) -> NoReturn:
    raise ValueError(f"{path} holds {size} float64 values, not a whole number of {rows} records")


def read_pathsample(directory: str | Path) -> PathsampleData:
    """Read the files written by :func:`write_pathsample` (or by PATHSAMPLE itself); the
    record length of points.* follows from the file size and the number of data lines."""
    d = Path(directory)
    for name in (MIN_DATA, TS_DATA):
        if not (d / name).exists():
            raise ValueError(f"{d} has no {name}")
    mins = _read_table(d / MIN_DATA, 3)
    ts = _read_table(d / TS_DATA, 5)
    pairs = ts[:, 3:5]
    if not np.all(pairs == np.round(pairs)):
        raise ValueError(f"{d / TS_DATA}: minimum indices must be integers")
    return PathsampleData(
        min_energies=mins[:, 0], min_lpphe=mins[:, 1], ts_energies=ts[:, 0],
        ts_lpphe=ts[:, 1], ts_pairs=pairs.astype(np.int64) - 1,
        min_coords=_read_points(d / POINTS_MIN, mins.shape[0]),
        ts_coords=_read_points(d / POINTS_TS, ts.shape[0]),
    )


def export_store(store: Store, directory: str | Path, *, fill_lpphe: float | None = None
                 ) -> tuple[PathsampleData, list[int]]:
    """Write the minima (lowest energy first) and transition states of a
    :class:`~aucscape.landscape.store.Store` as PATHSAMPLE files.

    Returns the data written and the store ids of the minima in min.data order. Records
    without an LPPHE take ``fill_lpphe`` (an error when it is None).
    """
    minima = list(store.iter_minima(order="energy"))
    tss = list(store.iter_ts(order="id"))
    row = {m.id: i for i, m in enumerate(minima)}

    def lp(v: float | None, what: str, rid: int) -> float:
        if v is None:
            if fill_lpphe is None:
                raise ValueError(f"{what} {rid} has no lpphe; pass fill_lpphe to export anyway")
            return float(fill_lpphe)
        return float(v)

    n_par = store.n_params or 0
    data = PathsampleData(
        min_energies=[m.energy for m in minima],
        min_lpphe=[lp(m.lpphe, "minimum", m.id) for m in minima],
        ts_energies=[t.energy for t in tss],
        ts_lpphe=[lp(t.lpphe, "transition state", t.id) for t in tss],
        ts_pairs=[[row[t.min1], row[t.min2]] for t in tss],
        min_coords=np.array([m.coords for m in minima]).reshape(len(minima), n_par),
        ts_coords=np.array([t.coords for t in tss]).reshape(len(tss), n_par),
    )
    write_pathsample(directory, data)
    return data, [m.id for m in minima]


def import_into_store(directory: str | Path, store: Store, *, objective: Objective | None = None,
                      edifftol: float = DEFAULT_EDIFFTOL, geomdifftol: float = 1e-3,
                      run_id: int | None = None) -> tuple[list[int], list[int]]:
    """Add the minima and transition states of a PATHSAMPLE directory to ``store`` (which
    may already hold others), all in one transaction: on any error nothing is added.

    Each point is matched to the stored ones first (:func:`.identity.find_same`: relative
    energy difference below ``edifftol`` and distance below ``geomdifftol``, aligned over
    the objective's symmetries when ``objective`` is given, else Euclidean), so importing
    the same directory twice adds nothing. New points keep the file's LPPHE; when
    ``objective`` is given their gradient and Hessian are recomputed to fill ``rms_grad``
    = ||g||/sqrt(n) and ``min_eig`` / ``n_nonpositive`` (minima) or ``neg_eig`` (transition
    states), which min.data and ts.data do not carry.

    Returns the store id of every min.data line and every ts.data line, in file order
    (new or matched). Coordinates (points.min / points.ts) are required because the store
    keeps them.
    """
    data = read_pathsample(directory)
    if data.min_coords is None or (data.ts_energies.size and data.ts_coords is None):
        raise ValueError(f"{directory}: points.min / points.ts are needed to import coordinates")

    def distance(a: Any, b: Any) -> float:
        if objective is None:
            return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
        return aligned_distance(objective, a, b)

    def same(candidates: list[Any], e: float, x: FloatArray) -> Any | None:
        return find_same(candidates, e, x, edifftol=edifftol, geomdifftol=geomdifftol,
                         distance=distance)

    with store.transaction():
        min_ids = []
        for e, lp, x in zip(data.min_energies, data.min_lpphe, data.min_coords, strict=True):
            old = same(store.minima_in_window(*energy_window(e, edifftol)), e, x)
            if old is not None:
                min_ids.append(int(old.id))
                continue
            props = _recomputed(objective, x)
            min_ids.append(int(store.add_minimum(
                e, x, lpphe=lp, rms_grad=props.get("rms_grad"), min_eig=props.get("min_eig"),
                n_nonpositive=props.get("n_nonpositive"), run_id=run_id)))
        ts_ids = []
        for k in range(data.ts_energies.size):
            e, x = data.ts_energies[k], data.ts_coords[k]
            old = same(store.ts_in_window(*energy_window(e, edifftol)), e, x)
            if old is not None:
                ts_ids.append(int(old.id))
                continue
            a, b = data.ts_pairs[k]
            props = _recomputed(objective, x)
            ts_ids.append(int(store.add_ts(e, x, min_ids[a], min_ids[b], lpphe=data.ts_lpphe[k],
                                           rms_grad=props.get("rms_grad"),
                                           neg_eig=props.get("min_eig"), run_id=run_id)))
    return min_ids, ts_ids


def _recomputed(objective: Objective, x: FloatArray) -> dict[str, Any]:
    """rms(dE/dw) and the Hessian's smallest eigenvalue / count of eigenvalues <= 0 at x."""
    if objective is None:
        return {}
    _, g = objective.energy_gradient(np.asarray(x, dtype=np.float64))
    h = hessian_summary(objective, x)
    return {"rms_grad": rms(np.asarray(g, dtype=np.float64)), "min_eig": h.min_eig,
            "n_nonpositive": h.n_nonpositive}
