"""The study's configuration: a TOML file (or a shipped preset) checked key by key.

A config has the tables ``[study]`` (name, description, seed), ``[datasets.NAME]``,
``[model]`` (hidden, lam), ``[losses.NAME]`` (β, margin), ``[explore]``, ``[grow]`` and
``[connect]`` (settings and default budgets) and ``[parts.PART]`` for each of the six
parts listed in :mod:`aucscape.study.spec`, which also holds the typed result
(:class:`StudyConfig` and its sections: import them from there). Unknown keys are errors,
and every problem raises :class:`ConfigError` naming the key, e.g.
``parts.surrogates.losses[2]: unknown loss 'tan'``.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ..data.spiral import GENERATORS
from ..objectives.factory import check_lam
from ..surrogates import SURROGATES, check_beta_squared
from ._reader import ConfigError, _Section
from .spec import (
    DEFAULT_BETA,
    PARTS,
    ConnectBudget,
    ConnectSettings,
    ExploreBudget,
    ExploreSettings,
    GrowBudget,
    PartConfig,
    Sensitivity,
    StudyConfig,
)

__all__ = ["PRESETS", "ConfigError", "check_datasets", "load_config", "load_preset",
           "parse_config"]

PRESETS = ("quick", "full", "paper")
#: Old preset names kept working.
_PRESET_ALIASES = {"paper": "full"}
LOSSES = ("ce", *SURROGATES)
#: Surrogates whose form has a margin (OPTIM's hinge and quad; squared and smooth hinge
#: likewise).
MARGIN_LOSSES = ("hinge", "squared_hinge", "quad", "smooth_hinge")
_DATASET_KEYS: dict[str, dict[str, type]] = {
    "spiral": {"noise": float, "points_per_arm": int, "seed": int, "test_fraction": float,
               "generator": str, "turns": float, "mlpnorm": bool},
    "creditcard": {"n": int, "positive_fraction": float, "seed": int, "test_fraction": float,
                   "path": str},
    "csv": {"path": str, "seed": int, "test_fraction": float},
}
#: Keys whose values must lie strictly between 0 and 1, and their smallest allowed values.
_FRACTIONS = ("test_fraction", "positive_fraction")
_MINIMUM = {"points_per_arm": 2, "n": 1, "turns": 0}
#: Largest hidden layer accepted (a 2-4096-2 network has 20,482 parameters; its Hessian
#: alone is 3 GB). Larger sizes are refused before any work.
MAX_HIDDEN = 4096


def _hidden(s: _Section, default: int) -> int:
    h = s.get("hidden", int, default, minimum=1)
    if h > MAX_HIDDEN:
        raise ConfigError(f"{s.key('hidden')}: {h} hidden units is more than this study "
                          f"can hold (at most {MAX_HIDDEN})")
    return h


def _dataset(t: _Section, dname: str) -> dict[str, Any]:
    """One ``[datasets.NAME]`` table: kind, then each key typed and range-checked."""
    kind = t.get("kind", str, dname if dname in _DATASET_KEYS else None)
    if kind not in _DATASET_KEYS:
        raise ConfigError(f"{t.key('kind')}: unknown data set kind {kind!r} "
                          f"(known: {', '.join(_DATASET_KEYS)})")
    args: dict[str, Any] = {}
    for k, typ in _DATASET_KEYS[kind].items():
        if not t.has(k):
            continue
        v = t.get(k, typ, minimum=_MINIMUM.get(k, 0), strict=k == "turns")
        if k in _FRACTIONS and not 0 < v < 1:
            raise ConfigError(f"{t.key(k)}: must lie strictly between 0 and 1, got {v!r}")
        if k == "generator" and v not in GENERATORS:
            raise ConfigError(f"{t.key(k)}: unknown spiral generator {v!r} "
                              f"(known: {', '.join(GENERATORS)})")
        if k == "path" and not Path(v).expanduser().is_file():
            raise ConfigError(f"{t.key(k)}: no such file {v!r}")
        args[k] = v
    if kind == "csv" and "path" not in args:
        raise ConfigError(f"{t.key('path')}: a csv data set needs a path")
    t.done()
    return {"kind": kind, **args}


def _sensitivity(s: _Section, datasets: dict, parts: dict[str, PartConfig]
                 ) -> Sensitivity | None:
    """``[sensitivity]``: replicates, max_steps, and ``[sensitivity.variants.LABEL]``
    tables of ``hidden``, ``step`` (basin-hopping) and/or ``dataset = {...}`` overrides
    of the main data set."""
    if not s.data:
        s.done()
        return None
    reps = s.get("replicates", int, 2, minimum=1)
    steps = s.get("max_steps", int, 100, minimum=1)
    vs = s.table("variants")
    variants: dict[str, dict[str, Any]] = {}
    main_ds = parts["main"].dataset
    for label in list(vs.data):
        v = vs.table(label)
        change: dict[str, Any] = {}
        if v.has("hidden"):
            change["hidden"] = _hidden(v, 1)
        if v.has("step"):
            change["step"] = v.get("step", float, None, minimum=0, strict=True)
        if v.has("dataset"):
            base = datasets.get(main_ds, {"kind": main_ds})
            merged = _dataset(_Section({**base, **v.data["dataset"]}, v.key("dataset")),
                              main_ds)
            change["dataset"] = {k: merged[k] for k in v.data["dataset"]}
        if not change:
            raise ConfigError(f"{v.key('hidden')}: a variant changes hidden, step and/or "
                              "dataset")
        v.done()
        variants[label] = change
    vs.done()
    s.done()
    if not variants:
        raise ConfigError(f"{s.key('variants')}: no variants given")
    if not parts["main"].enabled:
        raise ConfigError(f"{s.key('variants')}: sensitivity variants re-run the main part, "
                          "which is disabled")
    return Sensitivity(variants, reps, steps)


def check_datasets(config: StudyConfig) -> None:
    """Build every data set the config will use (each replicate, each sensitivity
    variant), so a value that only the loader can judge (e.g. more frauds asked for than
    the file has) fails now, naming the key, before any landscape runs."""
    from ..data.registry import load_dataset

    configs = [config]
    if config.sensitivity is not None:
        configs += [config.variant(v) for v in config.sensitivity.variants]
    seen: set[str] = set()
    for cfg in configs:
        for name in sorted({p.dataset for p in cfg.enabled_parts()}):
            for r in range(cfg.replicates):
                spec = cfg.dataset_spec(name, r)
                tag = repr(sorted(spec.items()))
                if tag in seen:
                    continue
                seen.add(tag)
                try:
                    load_dataset(spec)
                except (ValueError, OSError) as exc:
                    raise ConfigError(f"datasets.{name}: {exc}") from None


def _explore_budget(s: _Section, base: ExploreBudget) -> ExploreBudget:
    return ExploreBudget(
        s.get("max_steps", int, base.max_steps, minimum=0),
        s.get("window", int, base.window, minimum=0),
        s.get("max_time", float, base.max_time, minimum=0, none_if_zero=True)
        if s.has("max_time") else base.max_time,
    )


def _connect_budget(s: _Section, base: ConnectBudget) -> ConnectBudget:
    return ConnectBudget(
        s.get("max_attempts", int, base.max_attempts, minimum=0),
        s.get("time_limit", float, base.time_limit, minimum=0, none_if_zero=True)
        if s.has("time_limit") else base.time_limit,
    )


def _grow_budget(s: _Section, base: GrowBudget) -> GrowBudget:
    return GrowBudget(
        s.get("max_attempts", int, base.max_attempts, minimum=0),
        s.get("time_limit", float, base.time_limit, minimum=0, none_if_zero=True)
        if s.has("time_limit") else base.time_limit,
        s.get("window", int, base.window, minimum=1),
    )


def _loss_name(v: str, key: str) -> str:
    if v not in LOSSES:
        raise ConfigError(f"{key}: unknown loss {v!r} (known: {', '.join(LOSSES)})")
    return v


_PART_DEFAULTS: dict[str, dict[str, Any]] = {
    "main": {"dataset": "spiral", "losses": ("ce", "sigmoid")},
    "surrogates": {"dataset": "spiral",
                   "losses": ("sigmoid", "smooth_hinge", "tanh", "quad", "exp")},
    "creditcard": {"dataset": "creditcard", "losses": ("ce", "sigmoid")},
    "beta_sigmoid": {"dataset": "spiral", "losses": ("sigmoid",),
                     "values": (1.0, 10.0, 40.0, 100.0)},
    "beta_exp": {"dataset": "spiral", "losses": ("exp",), "values": (0.5, 1.0, 2.0, 5.0)},
    "lambda": {"dataset": "spiral", "losses": ("ce", "sigmoid"),
               "values": (1e-1, 1e-3, 1e-5, 1e-7, 1e-9)},
}


def _lam(s: _Section, k: str, default: float) -> float:
    """``k``'s λ by the rule the CLI's --lam follows (:func:`~aucscape.objectives.factory.
    check_lam`), refusals as ConfigError with the same reason."""
    return _by_rule(check_lam, s.get(k, float, default), s.key(k))


def _beta(loss: str, beta: float, margin: float | None, key: str) -> float:
    """β checked by the rules the CLI's --beta meets when the objective is built: the
    surrogate's own (:meth:`aucscape.surrogates.Surrogate.params`) and the landscape's
    (:func:`aucscape.surrogates.check_beta_squared`)."""
    _by_rule(lambda v, _name: SURROGATES[loss].params(v, margin), beta, key)
    _by_rule(check_beta_squared, beta, key)
    return beta


def _by_rule(rule: Any, value: Any, key: str) -> Any:
    """``rule(value, name)`` for the key's last part as ``name`` (``lam``, as the rule says
    it to CLI users too); a refusal becomes ``ConfigError("KEY: <the rule's reason>")``."""
    try:
        return rule(value, key.rsplit(".", 1)[-1].split("[")[0])
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _part(name: str, s: _Section, datasets: dict, hidden: int, lam: float,
          explore: ExploreBudget, connect: ConnectBudget, grow: GrowBudget) -> PartConfig:
    d = _PART_DEFAULTS[name]
    enabled = s.get("enabled", bool, True)
    dataset = s.get("dataset", str, d["dataset"])
    if enabled and dataset not in datasets:
        raise ConfigError(f"{s.key('dataset')}: data set {dataset!r} is not defined under "
                          f"[datasets] (defined: {', '.join(sorted(datasets)) or 'none'})")
    p_hidden = _hidden(s, hidden)
    p_lam = _lam(s, "lam", lam)
    if name in ("beta_sigmoid", "beta_exp"):
        loss = d["losses"][0]
        losses = (loss,)
        values = s.list("values", float, d["values"], minimum=0, strict=True)
        for i, v in enumerate(values):
            _beta(loss, v, None, f"{s.key('values')}[{i}]")
    else:
        losses = s.list("losses", str, d["losses"])
        losses = tuple(_loss_name(v, f"{s.key('losses')}[{i}]") for i, v in enumerate(losses))
        if len(set(losses)) != len(losses):
            raise ConfigError(f"{s.key('losses')}: a loss is listed twice: {list(losses)}")
        values = s.list("values", float, d["values"], minimum=0) if name == "lambda" else ()
        for i, v in enumerate(values):
            _by_rule(check_lam, v, f"{s.key('values')}[{i}]")
    if name in ("surrogates",) and "ce" in losses:
        raise ConfigError(f"{s.key('losses')}: the surrogates part compares AUC surrogates; "
                          "'ce' belongs to the main part")
    e_sec, c_sec, g_sec = s.table("explore"), s.table("connect"), s.table("grow")
    e = _explore_budget(e_sec, explore)
    c = _connect_budget(c_sec, connect)
    g = _grow_budget(g_sec, grow)
    e_sec.done()
    c_sec.done()
    g_sec.done()
    s.done()
    return PartConfig(name, enabled, dataset, p_hidden, p_lam, losses, values, e, c, g)


def parse_config(data: dict[str, Any], source: str = "<dict>") -> StudyConfig:
    """Validate a config given as a parsed TOML dict; see the module docstring."""
    root = _Section(data, "")
    st = root.table("study")
    name = st.get("name", str, Path(source).stem if source != "<dict>" else "study")
    description = st.get("description", str, "")
    seed = st.get("seed", int, 0, minimum=0)
    replicates = st.get("replicates", int, 1, minimum=1)
    ediff = st.get("duplicate_ediff", float, 1e-4, minimum=0, strict=True)
    st.done()

    ds = root.table("datasets")
    datasets = {dname: _dataset(ds.table(dname), dname) for dname in list(ds.data)}
    ds.done()

    model = root.table("model")
    hidden = _hidden(model, 10)
    lam = _lam(model, "lam", 1e-5)
    model.done()

    lp = root.table("losses")
    loss_params: dict[str, dict[str, float]] = {}
    for lname in list(lp.data):
        _loss_name(lname, lp.key(lname))
        t = lp.table(lname)
        params = {}
        if lname != "ce":
            # every surrogate takes a β (OPTIM's AUCMLPVB3); margins where the form has one
            params["beta"] = t.get("beta", float, DEFAULT_BETA, minimum=0, strict=True)
            if SURROGATES[lname].uses_margin or lname in MARGIN_LOSSES:
                if t.has("margin"):
                    params["margin"] = t.get("margin", float, 1.0, minimum=0, strict=True)
            _beta(lname, params["beta"], params.get("margin"), t.key("beta"))
        t.done()
        loss_params[lname] = params
    lp.done()

    ex = root.table("explore")
    es = ExploreSettings(
        step=ex.get("step", float, 1.0, minimum=0, strict=True),
        temperature=ex.get("temperature", float, 2.0, minimum=0),
        tol=ex.get("tol", float, 1e-10, minimum=0, strict=True),
        walkers=ex.get("walkers", int, 0, minimum=0),
        max_iter=ex.get("max_iter", int, 100000, minimum=1),
        start_range=ex.get("start_range", float, None, minimum=0, strict=True),
    )
    explore = _explore_budget(ex, ExploreBudget())
    ex.done()
    co = root.table("connect")
    cs = ConnectSettings(
        batch=co.get("batch", int, 4, minimum=1),
        max_tries=co.get("max_tries", int, 3, minimum=1),
        n_images=co.get("n_images", int, 12, minimum=1),
        dneb_max_iter=co.get("dneb_max_iter", int, 1000, minimum=1),
        hef_max_iter=co.get("hef_max_iter", int, 300, minimum=1),
    )
    connect = _connect_budget(co, ConnectBudget())
    co.done()
    gr = root.table("grow")
    grow = _grow_budget(gr, GrowBudget())
    gr.done()

    pt = root.table("parts")
    parts: dict[str, PartConfig] = {}
    for pname in pt.data:
        if pname not in PARTS:
            raise ConfigError(f"{pt.key(pname)}: unknown part (known: {', '.join(PARTS)})")
    for pname in PARTS:
        t = pt.table(pname)
        parts[pname] = _part(pname, t, datasets, hidden, lam, explore, connect, grow)
    pt.done()
    sensitivity = _sensitivity(root.table("sensitivity"), datasets, parts)
    root.done()
    if not any(p.enabled for p in parts.values()):
        raise ConfigError("parts: every part is disabled; nothing to run")
    config = StudyConfig(name, description, seed, datasets, loss_params, es, cs, parts,
                         source, replicates, ediff, sensitivity)
    check_datasets(config)
    return config


def load_config(path: str | Path) -> StudyConfig:
    """Read and validate a TOML config file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such config file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not a text TOML file (byte {exc.start} is not UTF-8: "
                          f"{exc.reason})") from None
    return parse_config(data, str(p))


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset (``quick`` or ``full``; ``paper`` = ``full``)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    stem = _PRESET_ALIASES.get(name, name)
    return (resources.files("aucscape") / "presets" / f"{stem}.toml").read_text(encoding="utf-8")


def load_preset(name: str) -> StudyConfig:
    """A shipped preset, validated like any config."""
    return parse_config(tomllib.loads(preset_text(name)), f"preset:{name}")
