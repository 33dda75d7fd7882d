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

Parts expand into :class:`LandscapeSpec` entries, one per replicate r = 0..R−1 (R =
``replicates``): replicate r redraws the data (spiral noise, subsample and train/test
split, seed :func:`replicate_seed`) and the basin-hopping streams, so the spread over
replicates measures how much a result depends on those draws. A landscape asked for by
several parts (e.g. sigmoid at β = 40, λ = 1e-5 on the spiral) is explored once per
replicate only when every part asks for the same budget (quenches, window, seconds and
connection attempts); a part asking for another budget gets its own landscape (its key
carries the part's name), so every β, λ and surrogate of a grid has its grid's budget and
no grid reuses another part's landscape explored at a larger one. ``sensitivity`` variants re-run
the main part with one set-up choice changed (:meth:`StudyConfig.variant`).
These classes hold already-checked values; reading and checking a TOML file into them
is :mod:`aucscape.study.config`'s job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..landscape.grow import GrowSettings
from ..surrogates import SURROGATES

__all__ = [
    "HINGE_LOSSES",
    "PARTS",
    "ConnectBudget",
    "ConnectSettings",
    "ExploreBudget",
    "ExploreSettings",
    "GrowBudget",
    "LandscapeSpec",
    "PartConfig",
    "Sensitivity",
    "StudyConfig",
    "loss_label",
    "replicate_seed",
]

#: β of a surrogate whose ``[losses.NAME]`` table sets none (the paper's sigmoid β).
DEFAULT_BETA = 40.0

PARTS = ("main", "surrogates", "creditcard", "beta_sigmoid", "beta_exp", "lambda")

#: The losses that play the paper's hinge in the findings: the first present leads, the
#: second (when the surrogates part runs both) is shown in the sensitivity table. The
#: presets lead with the hinge as the paper wrote it, max(0, 1 − z) on probability
#: differences (``hinge`` at β = 1, m = 1: linear in z, so smooth, and not
#: AUC-consistent, as the paper says of its hinge); the smooth hinge log(1 + e^{m − βz})
#: at β = 40 (AUC-consistent) is the alternative.
HINGE_LOSSES = ("hinge", "smooth_hinge")
#: How the report names a loss whose registry name would hide an assumption.
LOSS_LABELS = {"smooth_hinge": "hinge (smoothed: log(1 + e^{m − βz}))",
               "hinge": "hinge (max(0, m − βz))"}


def loss_label(loss: str) -> str:
    """The report's name of ``loss``: the registry name, or what it stands for.

    >>> loss_label("smooth_hinge")
    'hinge (smoothed: log(1 + e^{m − βz}))'
    """
    return LOSS_LABELS.get(loss, loss)


@dataclass(frozen=True)
class ExploreBudget:
    """Basin-hopping budget of one landscape: stop after ``max_steps`` quenches in all, or
    when a block of ``window`` quenches (0: no such test) finds no new minimum, or after
    ``max_time`` seconds of this invocation (None: no limit)."""

    max_steps: int = 50
    window: int = 0
    max_time: float | None = None


@dataclass(frozen=True)
class ConnectBudget:
    """Connection budget: ``max_attempts`` DNEB + HEF attempts in all (0: no connection
    run), ``time_limit`` seconds per invocation (None: no limit)."""

    max_attempts: int = 4
    time_limit: float | None = None


@dataclass(frozen=True)
class GrowBudget:
    """Growth by single-ended searches (:func:`aucscape.landscape.grow.grow`): at most
    ``max_attempts`` searches in all (0: no growth), ``time_limit`` seconds per invocation
    (None: no limit); saturated after ``window`` searches without a new minimum."""

    max_attempts: int = 0
    time_limit: float | None = None
    window: int = GrowSettings.window


@dataclass(frozen=True)
class ExploreSettings:
    """Basin-hopping settings shared by every landscape (see BasinHopping): ``walkers``
    0 means :func:`~aucscape.landscape.basinhopping.default_walkers` (one in-process, two per
    worker process, so results then depend on ``--workers``; the presets fix 4);
    ``start_range`` r draws a fresh walker's first point
    U(−r, r) per parameter (None: the objective's own start, for a network GMIN's
    U(−1, 1))."""

    step: float = 1.0
    temperature: float = 2.0
    tol: float = 1e-10
    walkers: int = 0
    max_iter: int = 100000
    start_range: float | None = None


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
    grow: GrowBudget = field(default_factory=GrowBudget)


@dataclass(frozen=True)
class Sensitivity:
    """Alternatives to the default set-up, each re-running the main part.

    ``variants`` maps a label to its changes: ``hidden`` (int), ``step`` (the
    basin-hopping step, float) and/or ``dataset`` (a dict of keys overriding the main
    part's data set, e.g. ``{"mlpnorm": False}``). Each
    variant runs ``replicates`` replicates at ``max_steps`` quenches per landscape.
    """

    variants: dict[str, dict[str, Any]]
    replicates: int = 2
    max_steps: int = 100


def replicate_seed(base: int, study_seed: int, replicate: int) -> int:
    """Data seed of replicate ``replicate``: from (the data set's seed, the study's seed,
    r), so ``--seed`` 0 and 1 draw disjoint, equally valid replicate sets.

    >>> replicate_seed(0, 0, 0) == replicate_seed(0, 0, 0) != replicate_seed(0, 1, 0)
    True
    """
    seq = np.random.SeedSequence([int(base), int(study_seed), int(replicate)])
    return int(seq.generate_state(1)[0])


@dataclass(frozen=True)
class LandscapeSpec:
    """One loss landscape to explore: data set, loss, n_in-hidden-2 network, λ, β, margin,
    its budgets (basin-hopping, growth, connection), and which replicate (data draw) it
    is."""

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
    replicate: int = 0
    grow: GrowBudget = field(default_factory=GrowBudget)

    @property
    def group(self) -> str:
        """The key without its replicate suffix: the same landscape over replicates."""
        return self.key.rsplit("-r", 1)[0]

    @property
    def label(self) -> str:
        """Short human label, e.g. ``sigmoid (β=40, λ=1e-05)``."""
        extra = [f"β={self.beta:g}"] if self.beta is not None else []
        if self.margin is not None:
            extra.append(f"m={self.margin:g}")
        extra.append(f"λ={self.lam:g}")
        return f"{loss_label(self.loss)} ({', '.join(extra)})"

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
    replicates: int = 1
    duplicate_ediff: float = 1e-4
    sensitivity: Sensitivity | None = None

    def dataset_spec(self, name: str, replicate: int) -> dict[str, Any]:
        """``[datasets.NAME]`` with the seed of replicate ``replicate``."""
        spec = dict(self.datasets[name])
        spec["seed"] = replicate_seed(spec.get("seed", 0), self.seed, replicate)
        return spec

    def variant(self, label: str) -> StudyConfig:
        """The main part alone under sensitivity variant ``label`` (its own replicates
        and budget; the data set's other keys and every other setting unchanged)."""
        if self.sensitivity is None or label not in self.sensitivity.variants:
            raise ValueError(f"no sensitivity variant {label!r}")
        sens = self.sensitivity
        change = sens.variants[label]
        main = self.parts["main"]
        datasets = dict(self.datasets)
        datasets[main.dataset] = {**datasets[main.dataset], **change.get("dataset", {})}
        budget = replace(main.explore, max_steps=sens.max_steps, window=0)
        parts = {k: replace(p, enabled=False) for k, p in self.parts.items()}
        parts["main"] = replace(main, enabled=True, hidden=change.get("hidden", main.hidden),
                                explore=budget, connect=ConnectBudget(0), grow=GrowBudget())
        explore = replace(self.explore_settings,
                          step=change.get("step", self.explore_settings.step))
        return replace(self, name=f"{self.name}-{label}", datasets=datasets, parts=parts,
                       replicates=sens.replicates, sensitivity=None,
                       explore_settings=explore)

    def enabled_parts(self) -> list[PartConfig]:
        return [p for p in self.parts.values() if p.enabled]

    def part_landscapes(self, part: str) -> list[LandscapeSpec]:
        """The landscapes of one part, in the part's order (shared keys where the
        budgets are equal, see :meth:`landscapes`)."""
        merged, keys = self._assign()
        return [merged[k] for k in keys.get(part, [])]

    def landscapes(self) -> list[LandscapeSpec]:
        """Every distinct landscape of the enabled parts, first-asked order.

        A landscape asked for by two parts is shared only when both ask for the same
        budget; otherwise the later part's copy is keyed ``GROUP-PART-rR`` and explored
        on its own at its part's budget (equal budgets inside every grid)."""
        return list(self._assign()[0].values())

    def _assign(self) -> tuple[dict[str, LandscapeSpec], dict[str, list[str]]]:
        out: dict[str, LandscapeSpec] = {}
        keys: dict[str, list[str]] = {}
        for p in self.enabled_parts():
            for s in self._expand(p):
                old = out.get(s.key)
                if old is not None and ((old.explore, old.connect, old.grow)
                                        != (s.explore, s.connect, s.grow)):
                    s = replace(s, key=f"{s.group}-{p.name}-r{s.replicate}")
                    old = out.get(s.key)
                out[s.key] = s if old is None else replace(old, parts=(*old.parts, p.name))
                keys.setdefault(p.name, []).append(s.key)
        return out, keys

    def _expand(self, p: PartConfig) -> list[LandscapeSpec]:
        if p.name in ("beta_sigmoid", "beta_exp"):
            grid = [(p.losses[0], p.lam, v) for v in p.values]
        elif p.name == "lambda":
            grid = [(loss, v, None) for loss in p.losses for v in p.values]
        else:
            grid = [(loss, p.lam, None) for loss in p.losses]
        return [self._spec(p, loss, lam, r, beta=beta)
                for r in range(self.replicates) for loss, lam, beta in grid]

    def _spec(self, p: PartConfig, loss: str, lam: float, replicate: int,
              beta: float | None = None) -> LandscapeSpec:
        margin = None
        if loss != "ce":
            # β for every surrogate (OPTIM's AUCMLPVB3 gives each one a β); a margin where
            # the surrogate has one or the config sets one.
            params = self.loss_params.get(loss, {})
            beta = float(params.get("beta", DEFAULT_BETA)) if beta is None else float(beta)
            if "margin" in params or SURROGATES[loss].uses_margin:
                margin = float(params.get("margin", 1.0))
        else:
            beta = None
        key = f"{p.dataset}-{loss}"
        key += f"-b{beta:g}" if beta is not None else ""
        key += f"-m{margin:g}" if margin is not None else ""
        key += f"-h{p.hidden}-l{lam:g}-r{replicate}"
        return LandscapeSpec(key, p.dataset, loss, p.hidden, float(lam), beta, margin,
                             p.explore, p.connect, (p.name,), replicate, p.grow)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (recorded in results.json and the report)."""
        d = asdict(self)
        d["parts"] = {k: asdict(v) for k, v in self.parts.items()}
        d["sensitivity"] = None if self.sensitivity is None else asdict(self.sensitivity)
        return d

