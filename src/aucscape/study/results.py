"""What a study run measured, as plain data: one :class:`LandscapeResult` per landscape.

The report, the figures and the findings are built from a :class:`StudyResults` only
(never from the databases directly), so they can be tested on hand-made results; the
runner fills it from the databases and writes it to ``OUT/results.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from .._files import write_text_atomic
from ..analysis.tables import to_jsonable

__all__ = ["MINIMA_COLUMNS", "LandscapeResult", "StudyResults", "Work"]

#: Per-minimum columns kept for every landscape (see aucscape.analysis.minimum_properties).
MINIMA_COLUMNS = ("id", "energy", "train_auc", "test_auc", "ce_loss", "app_auc", "lpphe",
                  "hits")


@dataclass
class Work:
    """The work spent on one landscape over every invocation: quenches (``steps``),
    energy-gradient evaluations, seconds, whether the window converged, single-ended
    growth searches (``grow_attempts``, ``grow_seconds``, ``grow_stopped``: why the last
    growth call ended, "saturated" when its window found no new minimum), connection
    attempts and the largest connected set connect reported; ``discovery`` lists
    ``[quench count, minimum id]`` for each new minimum basin-hopping stored, in order
    (the discovery curve; minima added while connecting are not in it). The engine's
    per-database record extends it; every :class:`LandscapeResult` carries it."""

    steps: int = 0
    n_eval: int = 0
    explore_seconds: float = 0.0
    converged: bool = False
    grow_attempts: int = 0
    grow_seconds: float = 0.0
    grow_stopped: str = ""
    connect_attempts: int = 0
    connect_seconds: float = 0.0
    largest_component: int = 0
    discovery: list[list[int]] = field(default_factory=list)

    def work(self) -> dict[str, Any]:
        """This object's :class:`Work` fields alone, by name."""
        return {f.name: getattr(self, f.name) for f in fields(Work)}


@dataclass(kw_only=True)
class LandscapeResult(Work):
    """One explored landscape: its definition, the :class:`Work` spent on it and what was
    found.

    ``minima`` maps each name in :data:`MINIMA_COLUMNS` to one value per minimum (lowest
    energy first); ``ts`` lists transition states as ``[energy, min1_id, min2_id]``;
    ``summary`` is :meth:`aucscape.analysis.LandscapeSummary.to_dict`. ``replicate`` is
    the data/seed draw and ``group`` the key shared by all replicates of this landscape;
    ``ts_search`` is False when its transition-state search was off (``max_attempts =
    0``), so it has no network (:mod:`aucscape.study.connected`). ``counts`` is
    :meth:`aucscape.landscape.counts.LandscapeCounts.to_dict`: minima and transition states
    in all and in the global minimum's network, and under PATHSAMPLE's identity rule.
    """

    key: str
    label: str
    dataset: str
    loss: str
    hidden: int
    n_in: int
    lam: float
    beta: float | None
    margin: float | None
    parts: list[str]
    db: str
    ts_search: bool = True
    minima: dict[str, list[float]] = field(default_factory=dict)
    ts: list[list[float]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    replicate: int = 0
    group: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    n_test_pos: int = 0
    n_test_neg: int = 0
    #: per minimum, aligned distance to the nearest minimum of the same replicate's CE
    #: landscape (the nearest *other* CE minimum for the CE landscape itself); main part
    nearest_ce: list[float] = field(default_factory=list)

    @property
    def n_minima(self) -> int:
        return len(self.minima.get("id", []))

    @property
    def n_ts(self) -> int:
        return len(self.ts)

    @property
    def architecture(self) -> str:
        return f"{self.n_in}-{self.hidden}-2"

    def column(self, name: str) -> np.ndarray:
        """Per-minimum values as float64 (None → NaN)."""
        if name not in MINIMA_COLUMNS:
            raise ValueError(f"unknown column {name!r}; known: {', '.join(MINIMA_COLUMNS)}")
        vals = self.minima.get(name, [])
        return np.array([math.nan if v is None else v for v in vals], dtype=np.float64)

    @property
    def mean_evals_per_quench(self) -> float:
        """Energy-and-gradient evaluations per basin-hopping quench (≈ L-BFGS iterations)."""
        return self.n_eval / self.steps if self.steps else math.nan

    def stat(self, name: str) -> float | None:
        """A number from the summary (``best_test_auc``, ``mean_lpphe``, ...)."""
        v = self.summary.get(name)
        return None if v is None else float(v)

    def energy_auc_r(self) -> float | None:
        c = self.summary.get("energy_test_auc") or {}
        return c.get("r")

    def budget(self) -> str:
        """The work behind this landscape's numbers, in words."""
        text = f"{self.steps} quenches"
        if self.converged:
            text += " (no new minimum in the last window)"
        if self.connect_attempts:
            text += f", {self.connect_attempts} connection attempts"
        return text


@dataclass
class StudyResults:
    """A whole study: the config it ran, each landscape, each part's landscape keys."""

    config: dict[str, Any]
    landscapes: dict[str, LandscapeResult]
    parts: dict[str, list[str]]
    wall_seconds: float = 0.0
    workers: int = 1
    scheduler: str | None = None
    version: str = ""
    created: str = ""
    #: sensitivity variant label → that variant's StudyResults as a dict
    variants: dict[str, Any] = field(default_factory=dict)

    def variant(self, label: str) -> StudyResults:
        """The results of sensitivity variant ``label``."""
        return StudyResults.from_dict(self.variants[label])

    def part(self, name: str) -> list[LandscapeResult]:
        """The landscapes of a part, in the part's order (empty when the part is off)."""
        return [self.landscapes[k] for k in self.parts.get(name, [])]

    def find(self, part: str, **match: Any) -> LandscapeResult | None:
        """The first landscape of ``part`` whose attributes equal ``match``."""
        for r in self.part(part):
            if all(getattr(r, k) == v for k, v in match.items()):
                return r
        return None

    def replicates(self, part: str, **match: Any) -> list[LandscapeResult]:
        """Every replicate of the first landscape group of ``part`` matching ``match``,
        in replicate order (empty when none matches)."""
        first = self.find(part, **match)
        if first is None:
            return []
        return sorted((r for r in self.part(part) if r.group == first.group),
                      key=lambda r: r.replicate)

    def groups(self, part: str) -> list[list[LandscapeResult]]:
        """The landscapes of ``part`` grouped over replicates, in the part's order."""
        out: dict[str, list[LandscapeResult]] = {}
        for r in self.part(part):
            out.setdefault(r.group or r.key, []).append(r)
        return [sorted(v, key=lambda r: r.replicate) for v in out.values()]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["landscapes"] = {k: asdict(v) for k, v in self.landscapes.items()}
        return d

    def save(self, path: str | Path) -> None:
        write_text_atomic(Path(path), json.dumps(to_jsonable(self.to_dict()), indent=1) + "\n")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudyResults:
        lands = {k: LandscapeResult(**v) for k, v in d["landscapes"].items()}
        return cls(**{**d, "landscapes": lands})

    @classmethod
    def load(cls, path: str | Path) -> StudyResults:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

