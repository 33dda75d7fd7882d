"""The study's typed plan: settings, budgets, parts, and their expansion into landscapes.

A :class:`StudyConfig` names data sets, the network (tanh hidden units, λ), surrogate
parameters, the explorer's and connector's settings and budgets, and the six parts of the
study of Niroomand et al. (2022):

=============== ==================================================================
part            what it explores
=============== ==================================================================
main            CE and sigmoid appAUC on the spiral (Table 1, graphs, Figure 5)
surrogates      one landscape per surrogate (Table 2, Figure 4, graphs)
creditcard      CE and sigmoid on the credit-card subset (Table 3)
beta_sigmoid    sigmoid at each β in ``values`` (Figure 6)
beta_exp        exp at each β in ``values`` (Figure 7)
lambda          each loss in ``losses`` at each λ in ``values`` (Table 4, Figure 8)
=============== ==================================================================

Parts expand into :class:`LandscapeSpec` entries; a landscape asked for by several parts
(e.g. sigmoid at β = 40, λ = 1e-5 on the spiral) is explored once, with the largest of
the budgets asked for. These classes hold already-checked values; reading and checking a
TOML file into them is :mod:`aucscape.study.config`'s job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..surrogates import SURROGATES

__all__ = [
    "PARTS",
    "ConnectBudget",
    "ConnectSettings",
    "ExploreBudget",
    "ExploreSettings",
    "LandscapeSpec",
    "PartConfig",
    "StudyConfig",
]

PARTS = ("main", "surrogates", "creditcard", "beta_sigmoid", "beta_exp", "lambda")


@dataclass(frozen=True)
class ExploreBudget:
    """Basin-hopping budget of one landscape: stop after ``max_steps`` quenches in all, or
    when a block of ``window`` quenches (0: no such test) finds no new minimum, or after
    ``max_time`` seconds of this invocation (None: no limit)."""

    max_steps: int = 50
    window: int = 0
    max_time: float | None = None

    def merge(self, other: ExploreBudget) -> ExploreBudget:
        return ExploreBudget(max(self.max_steps, other.max_steps),
                             max(self.window, other.window), _max_opt(self.max_time,
                                                                      other.max_time))


@dataclass(frozen=True)
class ConnectBudget:
    """Connection budget: ``max_attempts`` DNEB + HEF attempts in all (0: no connection
    run), ``time_limit`` seconds per invocation (None: no limit)."""

    max_attempts: int = 4
    time_limit: float | None = None

    def merge(self, other: ConnectBudget) -> ConnectBudget:
        return ConnectBudget(max(self.max_attempts, other.max_attempts),
                             _max_opt(self.time_limit, other.time_limit))


@dataclass(frozen=True)
class ExploreSettings:
    """Basin-hopping settings shared by every landscape (see BasinHopping): ``walkers``
    0 means one walker per worker."""

    step: float = 1.0
    temperature: float = 2.0
    tol: float = 1e-10
    walkers: int = 0
    max_iter: int = 100000


@dataclass(frozen=True)
class ConnectSettings:
    """Connection settings shared by every landscape (see TSSettings, connect_landscape)."""

    batch: int = 4
    max_tries: int = 3
    n_images: int = 12
    dneb_max_iter: int = 1000
    hef_max_iter: int = 300


@dataclass(frozen=True)
class PartConfig:
    """One part of the study; ``values`` are the β or λ grid of the ablation parts."""

    name: str
    enabled: bool
    dataset: str
    hidden: int
    lam: float
    losses: tuple[str, ...]
    values: tuple[float, ...] = ()
    explore: ExploreBudget = field(default_factory=ExploreBudget)
    connect: ConnectBudget = field(default_factory=ConnectBudget)


@dataclass(frozen=True)
class LandscapeSpec:
    """One loss landscape to explore: data set, loss, n_in-hidden-2 network, λ, β, margin."""

    key: str
    dataset: str
    loss: str
    hidden: int
    lam: float
    beta: float | None
    margin: float | None
    explore: ExploreBudget
    connect: ConnectBudget
    parts: tuple[str, ...]

    @property
    def label(self) -> str:
        """Short human label, e.g. ``sigmoid (β=40, λ=1e-05)``."""
        extra = [f"β={self.beta:g}"] if self.beta is not None else []
        if self.margin is not None:
            extra.append(f"m={self.margin:g}")
        extra.append(f"λ={self.lam:g}")
        return f"{self.loss} ({', '.join(extra)})"

    def objective_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`aucscape.objectives.make_objective` (after dataset)."""
        kw: dict[str, Any] = {"loss": self.loss, "hidden": self.hidden, "lam": self.lam}
        if self.beta is not None:
            kw["beta"] = self.beta
        if self.margin is not None:
            kw["margin"] = self.margin
        return kw


@dataclass(frozen=True)
class StudyConfig:
    """A validated study configuration (see the module docstring; built by
    :func:`aucscape.study.config.parse_config`)."""

    name: str
    description: str
    seed: int
    datasets: dict[str, dict[str, Any]]
    loss_params: dict[str, dict[str, float]]
    explore_settings: ExploreSettings
    connect_settings: ConnectSettings
    parts: dict[str, PartConfig]
    source: str = "<dict>"

    def enabled_parts(self) -> list[PartConfig]:
        return [p for p in self.parts.values() if p.enabled]

    def part_landscapes(self, part: str) -> list[LandscapeSpec]:
        """The landscapes of one part, in the part's order (merged budgets, shared keys)."""
        merged = {s.key: s for s in self.landscapes()}
        p = self.parts[part]
        return [merged[s.key] for s in self._expand(p)] if p.enabled else []

    def landscapes(self) -> list[LandscapeSpec]:
        """Every distinct landscape of the enabled parts, first-asked order, budgets merged."""
        out: dict[str, LandscapeSpec] = {}
        for p in self.enabled_parts():
            for s in self._expand(p):
                old = out.get(s.key)
                out[s.key] = s if old is None else replace(
                    old, explore=old.explore.merge(s.explore),
                    connect=old.connect.merge(s.connect), parts=(*old.parts, p.name))
        return list(out.values())

    def _expand(self, p: PartConfig) -> list[LandscapeSpec]:
        if p.name in ("beta_sigmoid", "beta_exp"):
            return [self._spec(p, p.losses[0], p.lam, beta=v) for v in p.values]
        if p.name == "lambda":
            return [self._spec(p, loss, v) for loss in p.losses for v in p.values]
        return [self._spec(p, loss, p.lam) for loss in p.losses]

    def _spec(self, p: PartConfig, loss: str, lam: float, beta: float | None = None
              ) -> LandscapeSpec:
        margin = None
        if loss != "ce":
            s = SURROGATES[loss]
            params = self.loss_params.get(loss, {})
            if s.uses_beta:
                beta = float(params.get("beta", 40.0)) if beta is None else float(beta)
            else:
                beta = None
            margin = float(params.get("margin", 1.0)) if s.uses_margin else None
        else:
            beta = None
        key = f"{p.dataset}-{loss}"
        key += f"-b{beta:g}" if beta is not None else ""
        key += f"-m{margin:g}" if margin is not None else ""
        key += f"-h{p.hidden}-l{lam:g}"
        return LandscapeSpec(key, p.dataset, loss, p.hidden, float(lam), beta, margin,
                             p.explore, p.connect, (p.name,))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (recorded in results.json and the report)."""
        d = asdict(self)
        d["parts"] = {k: asdict(v) for k, v in self.parts.items()}
        return d


def _max_opt(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a, b)
