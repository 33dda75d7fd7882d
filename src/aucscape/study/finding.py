"""One paper finding tested on an interval over replicates: :class:`Finding` and the
helpers every finding is built from.

A finding's quantity q is computed on each replicate alone (q_r, paired across the
landscapes it compares: replicate r of every landscape shares the data draw r); its
estimate is the mean of the q_r and its 90 % interval the Student-t interval
(:func:`aucscape.study.stats.interval`). The verdict compares the interval with the
finding's threshold (the paper's direction) and its band (the paper's magnitude,
:mod:`aucscape.study.bands`). When every q_r lies on the other side of the threshold,
the finding says so ("other sign than the paper's in every replicate"), whatever its
interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .bands import BANDS, Band, classify, combine
from .results import LandscapeResult
from .stats import interval, merge_by_energy
from .tables import fmt, group_mean, interval_text

__all__ = ["Finding", "Quantity", "Reps", "decide", "size_tests", "undecided"]

Reps = list[LandscapeResult]
Quantity = Callable[[Sequence[int]], float | None]


@dataclass(frozen=True)
class Finding:
    """One paper finding next to this run's measurement of the tested quantity.

    ``verdict`` is one of :data:`aucscape.study.bands.VERDICTS`; ``reps`` the q_r of
    the replicates where q is defined; ``side`` and ``threshold`` the paper's direction.
    """

    id: str
    claim: str
    paper: str
    measured: str
    criterion: str
    verdict: str
    budget: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    reps: tuple[float, ...] = ()
    threshold: float = 0.0
    side: str = "above"

    @property
    def band(self) -> Band:
        return BANDS[self.id]

    @property
    def agrees(self) -> bool | None:
        """True in the paper's direction (reproduced or same direction), False when
        contradicted, None when undecided."""
        return {"reproduced": True, "same direction": True,
                "contradicted": False}.get(self.verdict)

    @property
    def interval(self) -> str:
        return interval_text(self.low, self.high)

    @property
    def against_every_replicate(self) -> bool:
        """Every q_r (at least two) on the other side of the threshold."""
        if len(self.reps) < 2 or self.side == "band":
            return False
        v = np.asarray(self.reps)
        return bool(np.all(v < self.threshold if self.side == "above"
                           else v > self.threshold))

    @property
    def verdict_text(self) -> str:
        """The verdict, labelled when every replicate has the other sign."""
        if self.against_every_replicate:
            return (f"{self.verdict}; other sign than the paper's in every replicate "
                    f"({len(self.reps)} of {len(self.reps)})")
        return self.verdict

    @property
    def sd(self) -> float | None:
        """Standard deviation of the q_r (None with fewer than two)."""
        return float(np.std(self.reps, ddof=1)) if len(self.reps) >= 2 else None


def budget_text(groups: Sequence[Reps]) -> str:
    """The work behind a finding: network, replicates, quenches, connection attempts."""
    lands = [r for g in groups for r in g]
    if not lands:
        return "–"
    arch = sorted({r.architecture for r in lands})
    steps = sorted({r.steps for r in lands})
    reps = sorted({len(g) for g in groups})
    s = f"{'/'.join(arch)} network; {'–'.join(str(x) for x in reps)} replicates × "
    s += f"{steps[0]}" if len(steps) == 1 else f"{steps[0]}–{steps[-1]}"
    s += " quenches"
    att = sorted({r.connect_attempts for r in lands})
    if att[-1]:
        s += ", " + (f"{att[0]}" if len(att) == 1 else f"{att[0]}–{att[-1]}")
        s += " connection attempts"
    return s


def undecided(fid: str, claim: str, paper: str, why: str, budget: str = "–") -> Finding:
    """A finding that cannot be tested (``why`` says what is missing)."""
    return Finding(fid, claim, paper, why, "–", "undecided", budget)


def no_minima(groups: Sequence[Reps]) -> str | None:
    """"undecided (no minima converged: …)" naming the landscapes without a stored
    minimum (any replicate), or None when every landscape has minima."""
    empty = sorted({f"{r.label} replicate {r.replicate}" for g in groups for r in g
                    if not r.n_minima})
    return f"undecided (no minima converged: {'; '.join(empty)})" if empty else None


def _criterion(what: str, threshold: float, side: str) -> str:
    if side == "band":
        return f"{what} in the band"
    return f"{what} {'>' if side == 'above' else '<'} {threshold:g}"


def decide(fid: str, claim: str, paper: str, groups: Sequence[Reps], q: Quantity,
         threshold: float, side: str, what: str, extra: str = "",
         spec: str = ".3f") -> Finding:
    """A finding whose quantity ``q(idx)`` must lie ``side`` of ``threshold`` (or, side
    ``"band"``, in its band) over the replicates of ``groups``."""
    criterion = _criterion(what, threshold, side)
    empty = no_minima(groups)
    if empty:
        return Finding(fid, claim, paper, empty, criterion, "undecided",
                       budget_text(groups), threshold=threshold, side=side)
    n = min(len(g) for g in groups)
    est, lo, hi = interval(q, n)
    reps = tuple(float(v) for v in (q([r]) for r in range(n))
                 if v is not None and math.isfinite(float(v)))
    measured = f"{what} = {fmt(est, spec)}" + (f"; {extra}" if extra else "")
    f = Finding(fid, claim, paper, measured, criterion,
                classify(lo, hi, threshold, side, BANDS[fid]), budget_text(groups), est,
                lo, hi, reps, threshold, side)
    if f.against_every_replicate:
        f = _with(f, measured=f"{measured}; other sign than the paper's in every replicate")
    return f


def _with(f: Finding, **change: object) -> Finding:
    from dataclasses import replace

    return replace(f, **change)


def diff(a: Reps, b: Reps, f: Callable[[LandscapeResult], float | None]) -> Quantity:
    """q(idx) = mean of f over ``a``'s replicates idx − the same over ``b``'s."""
    def q(idx: Sequence[int]) -> float | None:
        x, y = group_mean(a, f, idx), group_mean(b, f, idx)
        return None if x is None or y is None else x - y
    return q


def ratio(a: Reps, b: Reps, f: Callable[[LandscapeResult], float | None]) -> Quantity:
    """q(idx) = mean of f over ``a``'s replicates idx ÷ the same over ``b``'s."""
    def q(idx: Sequence[int]) -> float | None:
        x, y = group_mean(a, f, idx), group_mean(b, f, idx)
        return None if x is None or not y else x / y
    return q


def found_by(r: LandscapeResult, q: int, ediff: float | None = None) -> float:
    """Distinct minima basin-hopping had found after ``q`` quenches (strict identity, or
    merged at ΔE < ``ediff``), read off the discovery record."""
    ids = {int(i) for f, i in r.discovery if f <= q}
    if ediff is None:
        return float(len(ids))
    e = [en for i, en in zip(r.minima.get("id", []), r.minima.get("energy", []),
                             strict=True) if int(i) in ids]
    return float(merge_by_energy(e, np.ones(len(e), dtype=np.int64), ediff).size)


def size_tests(fid: str, claim: str, paper: str, groups: Sequence[Reps],
               make: Callable[[Callable[[LandscapeResult], float | None]], Quantity],
               threshold: float, side: str, what: str, ed: float) -> Finding:
    """A size claim tested twice, on Chao1 sizes (ΔE < ``ed``) and on the minima found
    after equal numbers of quenches (ΔE < ``ed``), each quantity built by ``make``; the
    verdict is decided only as far as both tests agree (:func:`bands.combine`): Chao1
    alone is dominated by the singletons at small budgets."""
    from .tables import landscape_size

    empty = no_minima(groups)
    if empty:
        return Finding(fid, claim, paper, empty, _criterion(f"Chao1 {what}", threshold, side),
                       "undecided", budget_text(groups), threshold=threshold, side=side)
    q = min(r.steps for g in groups for r in g)
    chao = decide(fid, claim, paper, groups, make(lambda r: landscape_size(r, ed)), threshold,
                side, f"Chao1 {what}", spec=".2f")
    count = decide(fid, claim, paper, groups, make(lambda r: found_by(r, q, ed)), threshold,
                 side, f"{what} of minima found in {q} quenches", spec=".2f")
    measured = (f"{chao.measured}; {count.measured} "
                f"{interval_text(count.low, count.high, '.2f')}")
    return _with(chao, measured=measured, criterion=f"{chao.criterion}, and {count.criterion}",
                 verdict=combine(chao.verdict, count.verdict))
