"""Study configs: presets, expansion into landscapes, and errors that name the key."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.study.config import ConfigError, load_config, load_preset, parse_config
from aucscape.study.spec import PARTS


def _minimal(**parts):
    return {"datasets": {"spiral": {"kind": "spiral"}},
            "parts": {p: {"enabled": p in parts, **parts.get(p, {})} for p in PARTS}}


@pytest.mark.parametrize("name", ["quick", "full", "paper"])
def test_presets_load_and_run_every_part(name):
    cfg = load_preset(name)
    assert cfg.name == {"paper": "full"}.get(name, name)  # paper: the old name of full
    assert cfg.replicates >= 3
    assert cfg.datasets["spiral"]["mlpnorm"] is True
    assert cfg.explore_settings.start_range == 1.0  # GMIN's U(−1, 1), stated
    assert [p.name for p in cfg.enabled_parts()] == list(PARTS)
    keys = [s.key for s in cfg.landscapes()]
    assert len(keys) == len(set(keys))
    for p in PARTS:
        assert cfg.part_landscapes(p), p


@pytest.mark.parametrize("name", ["quick", "full"])
def test_presets_give_every_grid_its_own_budget(name):
    """Issue 21: β = 40 and λ = 1e-5 are not the main part's landscape at 3× the quenches
    of the rest of their grid; each grid's landscapes share one budget."""
    cfg = load_preset(name)
    for part in ("surrogates", "beta_sigmoid", "beta_exp", "lambda"):
        specs = cfg.part_landscapes(part)
        assert len({(s.explore, s.connect) for s in specs}) == 1, part
        assert all(s.explore == cfg.parts[part].explore for s in specs), part
    sig = [s for s in cfg.landscapes() if s.loss == "sigmoid" and s.beta == 40.0
           and s.lam == 1e-5 and s.dataset == "spiral"]
    main = [s for s in sig if "main" in s.parts]
    assert [s.replicate for s in main] == list(range(cfg.replicates))
    beta = [s for s in cfg.part_landscapes("beta_sigmoid") if s.beta == 40.0]
    assert beta and not set(s.key for s in beta) & {s.key for s in main}
    assert all(s.key.endswith(f"-beta_sigmoid-r{s.replicate}") for s in beta)
    assert {s.group for s in beta} == {beta[0].group}  # replicates still group


def test_expansion_of_ablations_and_loss_parameters():
    data = _minimal(beta_sigmoid={"values": [2, 8]},
                    **{"lambda": {"losses": ["ce", "hinge"], "values": [0.1, 0.01]}},
                    beta_exp={"values": [1.5]})
    data["losses"] = {"hinge": {"margin": 0.5}, "exp": {"beta": 3.0}}
    cfg = parse_config(data)
    betas = [s.beta for s in cfg.part_landscapes("beta_sigmoid")]
    assert betas == [2.0, 8.0]
    lam = cfg.part_landscapes("lambda")
    assert [(s.loss, s.lam) for s in lam] == [("ce", 0.1), ("ce", 0.01), ("hinge", 0.1),
                                              ("hinge", 0.01)]
    assert lam[0].beta is None and lam[0].margin is None
    assert lam[2].margin == 0.5 and lam[2].beta == 40.0  # every surrogate gets a β
    assert lam[2].objective_kwargs() == {"loss": "hinge", "hidden": 10, "lam": 0.1,
                                         "beta": 40.0, "margin": 0.5}
    (e,) = cfg.part_landscapes("beta_exp")
    assert e.beta == 1.5  # the ablation value, not [losses.exp]


@pytest.mark.parametrize(("patch", "key"), [
    ({"parts": {"surrogates": {"lossses": ["sigmoid"]}}}, "parts.surrogates.lossses"),
    ({"parts": {"surrogates": {"losses": ["sigmoid", "tan"]}}}, "parts.surrogates.losses[1]"),
    ({"parts": {"surrogates": {"losses": ["ce"]}}}, "parts.surrogates.losses"),
    ({"parts": {"main": {"dataset": "iris"}}}, "parts.main.dataset"),
    ({"parts": {"figure9": {}}}, "parts.figure9"),
    ({"explore": {"max_steps": "ten"}}, "explore.max_steps"),
    ({"explore": {"max_steps": 2.5}}, "explore.max_steps"),
    ({"explore": {"tol": 0}}, "explore.tol"),
    ({"explore": {"start_range": 0}}, "explore.start_range"),
    ({"explore": {"start_range": "1"}}, "explore.start_range"),
    ({"parts": {"main": {"explore": {"temperature": 1.0}}}}, "parts.main.explore.temperature"),
    ({"parts": {"beta_exp": {"values": [1.0, -2.0]}}}, "parts.beta_exp.values[1]"),
    ({"parts": {"lambda": {"values": []}}}, "parts.lambda.values"),
    ({"model": {"hidden": 0}}, "model.hidden"),
    ({"model": {"hiden": 3}}, "model.hiden"),
    ({"losses": {"sigmoid": {"margin": 1.0}}}, "losses.sigmoid.margin"),
    ({"losses": {"softmax": {}}}, "losses.softmax"),
    ({"datasets": {"d": {"kind": "mnist"}}}, "datasets.d.kind"),
    ({"datasets": {"spiral": {"kind": "spiral", "noise": True}}}, "datasets.spiral.noise"),
    ({"study": {"seed": -1}}, "study.seed"),
    ({"parts": {"main": {"enabled": "yes"}}}, "parts.main.enabled"),
    ({"connect": []}, "connect"),
    ({"grow": {"max_attempts": -1}}, "grow.max_attempts"),
    ({"grow": {"window": 0}}, "grow.window"),
    ({"grow": {"windows": 5}}, "grow.windows"),
    ({"parts": {"main": {"grow": {"time_limit": -2.0}}}}, "parts.main.grow.time_limit"),
])
def test_invalid_configs_name_the_offending_key(patch, key):
    data = {"datasets": {"spiral": {"kind": "spiral"}, "creditcard": {"kind": "creditcard"}}}
    for k, v in patch.items():
        data[k] = v if not isinstance(v, dict) else {**data.get(k, {}), **v}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert str(info.value).startswith(key + ":"), str(info.value)


def test_grow_budget_defaults_part_overrides_and_merge():
    from aucscape.landscape.grow import GrowSettings

    data = _minimal(main={"losses": ["ce", "sigmoid"],
                          "grow": {"max_attempts": 50, "window": 30}},
                    surrogates={"losses": ["sigmoid", "tanh"]})
    cfg = parse_config({**data, "grow": {"max_attempts": 5}})
    by = {(s.loss, s.parts): s.grow for s in cfg.landscapes()}
    assert by[("ce", ("main",))].max_attempts == 50
    # sigmoid is asked for by both parts at different growth budgets: two landscapes
    assert by[("sigmoid", ("main",))].max_attempts == 50
    assert by[("sigmoid", ("main",))].window == 30
    assert by[("sigmoid", ("surrogates",))].max_attempts == 5
    tanh = by[("tanh", ("surrogates",))]
    assert tanh.max_attempts == 5 and tanh.window == GrowSettings().window


def test_all_parts_disabled_is_rejected():
    with pytest.raises(ConfigError, match="every part is disabled"):
        parse_config({"parts": {p: {"enabled": False} for p in PARTS}})


def test_load_config_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    good = tmp_path / "mine.toml"
    good.write_text('[datasets.spiral]\nkind = "spiral"\n[parts.main]\nlosses = ["ce"]\n'
                    "[parts.surrogates]\nenabled = false\n[parts.creditcard]\nenabled = false\n"
                    "[parts.beta_sigmoid]\nenabled = false\n[parts.beta_exp]\nenabled = false\n"
                    "[parts.lambda]\nenabled = false\n")
    cfg = load_config(good)
    assert cfg.name == "mine"
    assert [s.key for s in cfg.landscapes()] == ["spiral-ce-h10-l1e-05-r0"]


@settings(max_examples=30, deadline=None)
@given(st.sets(st.sampled_from(PARTS), min_size=1),
       st.lists(st.sampled_from([0.5, 1.0, 4.0, 40.0]), min_size=1, max_size=3, unique=True),
       st.lists(st.integers(1, 50), min_size=len(PARTS), max_size=len(PARTS)))
def test_landscapes_are_the_union_of_the_parts_at_their_own_budgets(on, betas, steps):
    parts = {p: {"enabled": p in on, "explore": {"max_steps": n}}
             for p, n in zip(PARTS, steps, strict=True)}
    parts["beta_sigmoid"]["values"] = betas
    parts["beta_exp"]["values"] = betas
    for p in ("main", "surrogates", "lambda"):
        parts[p]["dataset"] = "spiral"
    cfg = parse_config({"datasets": {"spiral": {"kind": "spiral"},
                                     "creditcard": {"kind": "creditcard"}}, "parts": parts})
    specs = {s.key: s for s in cfg.landscapes()}
    union = {s.key for p in on for s in cfg.part_landscapes(p)}
    assert union == set(specs)
    for s in specs.values():
        assert set(s.parts) <= on
        # a shared landscape has the budget of every part that uses it
        assert {cfg.parts[p].explore.max_steps for p in s.parts} == {s.explore.max_steps}
    for p in on:
        assert all(s.explore == cfg.parts[p].explore for s in cfg.part_landscapes(p))


# -- replicates, sensitivity variants, data checked before any work ---------------------------
def test_replicates_redraw_the_data_and_seed_selects_another_set():
    from dataclasses import replace

    from aucscape.study.engine import build_dataset

    cfg = parse_config({**_minimal(main={"losses": ["ce"]}), "study": {"replicates": 3}})
    assert [s.key for s in cfg.landscapes()] == [f"spiral-ce-h10-l1e-05-r{r}" for r in range(3)]
    seeds = [cfg.dataset_spec("spiral", r)["seed"] for r in range(3)]
    other = replace(cfg, seed=1)
    assert len(set(seeds)) == 3
    assert not set(seeds) & {other.dataset_spec("spiral", r)["seed"] for r in range(3)}
    a, b = (build_dataset(cfg.dataset_spec("spiral", r)) for r in (0, 1))
    assert not np.array_equal(a.X_train, b.X_train)


def test_sensitivity_variant_reruns_main_with_one_choice_changed():
    data = _minimal(main={}, surrogates={})
    data["datasets"]["spiral"].update(generator="sampled", turns=2.0, mlpnorm=True)
    data["sensitivity"] = {"replicates": 3, "max_steps": 7,
                           "variants": {"h4": {"hidden": 4},
                                        "cmu": {"dataset": {"generator": "cmu",
                                                            "turns": 3.0}}}}
    cfg = parse_config(data)
    v = cfg.variant("h4")
    assert [p.name for p in v.enabled_parts()] == ["main"]
    assert {s.hidden for s in v.landscapes()} == {4}
    assert {s.explore.max_steps for s in v.landscapes()} == {7}
    c = cfg.variant("cmu")
    assert c.datasets["spiral"] == {"kind": "spiral", "generator": "cmu", "turns": 3.0,
                                    "mlpnorm": True}
    assert {s.hidden for s in c.landscapes()} == {10}
    assert c.explore_settings.step == cfg.explore_settings.step


def test_step_variant_changes_only_the_basin_hopping_step():
    data = _minimal(main={}, surrogates={})
    data["explore"] = {"step": 5.0, "temperature": 3.0}
    data["sensitivity"] = {"variants": {"step1": {"step": 1.0}}}
    cfg = parse_config(data)
    v = cfg.variant("step1")
    assert v.explore_settings.step == 1.0 and cfg.explore_settings.step == 5.0
    assert v.explore_settings.temperature == 3.0
    assert v.datasets == cfg.datasets
    with pytest.raises(ConfigError, match=r"sensitivity\.variants\.bad\.step"):
        parse_config({**data, "sensitivity": {"variants": {"bad": {"step": 0.0}}}})


@pytest.mark.parametrize(("patch", "key"), [
    ({"datasets": {"creditcard": {"kind": "creditcard", "positive_fraction": 2.0}}},
     "datasets.creditcard.positive_fraction"),
    ({"datasets": {"creditcard": {"kind": "creditcard", "n": 100000}}}, "datasets.creditcard"),
    ({"datasets": {"spiral": {"kind": "spiral", "generator": "arch"}}},
     "datasets.spiral.generator"),
    ({"datasets": {"spiral": {"kind": "spiral", "test_fraction": 1.5}}},
     "datasets.spiral.test_fraction"),
    ({"datasets": {"spiral": {"kind": "spiral", "turns": 2.0}}}, "datasets.spiral"),
    ({"datasets": {"spiral": {"kind": "spiral", "mlpnorm": 1}}}, "datasets.spiral.mlpnorm"),
    ({"model": {"hidden": 1000000000}}, "model.hidden"),
    ({"study": {"replicates": 0}}, "study.replicates"),
    ({"sensitivity": {"variants": {"x": {"dataset": {"noise": -1.0}}}}},
     "sensitivity.variants.x.dataset.noise"),
])
def test_every_data_value_is_checked_before_any_work(patch, key):
    data = _minimal(main={}, creditcard={})
    data["datasets"]["creditcard"] = {"kind": "creditcard"}
    for k, v in patch.items():
        if k == "datasets":
            data["datasets"].update(v)
        else:
            data[k] = v
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert str(err.value).startswith(key), str(err.value)


@pytest.mark.parametrize("name", ["quick", "full"])
def test_presets_fix_the_walkers_so_tables_do_not_depend_on_workers(name):
    """walkers = 0 would give one walker in-process and two per worker otherwise
    (landscape.basinhopping.default_walkers), so --workers 1 and 2 gave different tables."""
    from aucscape.landscape.basinhopping import default_walkers
    from aucscape.study.config import load_preset

    walkers = load_preset(name).explore_settings.walkers
    assert walkers > 0
    assert walkers == default_walkers(2)  # the worker count every recorded run used


def test_quick_credit_card_has_twenty_test_frauds_and_full_uses_the_whole_subset():
    """Issue 21: ≥ 1,000 rows at the paper's 10 % fraud, ≥ 20 frauds in every replicate's
    stratified test set (quick); the whole shipped subset in the full preset."""
    from aucscape.study.engine import build_dataset

    cfg = load_preset("quick")
    for r in range(cfg.replicates):
        ds = build_dataset(cfg.dataset_spec("creditcard", r))
        y = np.concatenate([ds.y_train, ds.y_test])
        assert y.size >= 1000 and y.mean() == pytest.approx(0.10)
        assert int(ds.y_test.sum()) >= 20
    full = load_preset("full")
    ds = build_dataset(full.dataset_spec("creditcard", 0))
    assert ds.y_train.size + ds.y_test.size == 4920  # every row of the shipped subset


def test_presets_run_the_literal_hinge_beside_the_smoothed_one():
    for name in ("quick", "full"):
        cfg = load_preset(name)
        assert {"hinge", "smooth_hinge"} <= set(cfg.parts["surrogates"].losses)
        assert cfg.loss_params["hinge"] == {"beta": 1.0, "margin": 1.0}  # max(0, 1 − z)


@pytest.mark.parametrize(("patch", "key", "flags"), [
    ({"model": {"lam": 0}}, "model.lam", ["--lam", "0"]),
    ({"model": {"lam": 1e300}}, "model.lam", ["--lam", "1e300"]),
    ({"parts": {"main": {"lam": 0.0}}}, "parts.main.lam", ["--lam", "0"]),
    ({"parts": {"lambda": {"values": [1e-3, 0.0]}}}, "parts.lambda.values[1]", ["--lam", "0"]),
    ({"losses": {"sigmoid": {"beta": 1e300}}}, "losses.sigmoid.beta",
     ["--loss", "sigmoid", "--beta", "1e300"]),
    ({"parts": {"beta_exp": {"values": [1.0, 1e200]}}}, "parts.beta_exp.values[1]",
     ["--loss", "exp", "--beta", "1e200"]),
])
def test_config_refuses_what_the_cli_refuses_with_the_same_reason(patch, key, flags, tmp_path,
                                                                  capsys):
    """Issue 24 item 7: TOML took lam = 0 and 1e300 (and β = 1e300), which the CLI refuses."""
    from aucscape.cli import main

    data = {"datasets": {"spiral": {"kind": "spiral"}, "creditcard": {"kind": "creditcard"}}}
    for k, v in patch.items():
        data[k] = v if not isinstance(v, dict) else {**data.get(k, {}), **v}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    message = str(info.value)
    assert message.startswith(key + ":"), message
    rc = main(["explore", "--db", str(tmp_path / "x.db"), "--steps", "1", "--quiet", *flags])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and not (tmp_path / "x.db").exists()
    cli_reason = err.split(": error: ", 1)[1]
    name = "--lam" if "--lam" in flags else "beta"
    assert cli_reason.startswith(name)
    # the same reason after the name: "--lam 0 is refused: ..." and "model.lam: lam 0 ..."
    assert message.split(": ", 1)[1].split(" ", 1)[1] == cli_reason.split(" ", 1)[1]
