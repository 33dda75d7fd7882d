"""Tests for aucscape.analysis: per-minimum metrics, summary statistics, tables."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from aucscape.analysis import (
    MinimumProperties,
    analyze_store,
    format_table,
    minimum_properties,
    pearson,
    read_csv,
    summarize,
    write_csv,
    write_json,
)
from aucscape.analysis.minima import tie_exact_scores
from aucscape.analysis.summary import summary_rows
from aucscape.data import spiral
from aucscape.landscape.store import Store
from aucscape.nn import MLP, Forward
from aucscape.objectives import CrossEntropy, PairwiseAUC

H = 3


def np_proba(w: np.ndarray, X: np.ndarray, hidden: int = H) -> np.ndarray:
    """Independent forward pass: w = [W1 (H×K), b1, W2 (2×H), b2], tanh hidden, softmax."""
    K = X.shape[1]
    W1 = w[: hidden * K].reshape(hidden, K)
    b1 = w[hidden * K : hidden * K + hidden]
    W2 = w[hidden * K + hidden : hidden * K + hidden + 2 * hidden].reshape(2, hidden)
    b2 = w[-2:]
    o = np.tanh(X @ W1.T + b1) @ W2.T + b2
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def brute_app_auc(y: np.ndarray, s: np.ndarray, beta: float) -> float:
    """1 − mean over (positive, negative) pairs of σ(−β(s_p − s_n))."""
    z = s[y == 1][:, None] - s[y == 0][None, :]
    return 1.0 - float(np.mean(1.0 / (1.0 + np.exp(beta * z))))


@pytest.fixture(scope="module")
def ds():
    return spiral(points_per_arm=30, seed=1)


@pytest.fixture(scope="module")
def coords():
    return np.random.default_rng(7).normal(scale=1.5, size=(5, MLP(2, H, 2).n_params))


def test_properties_match_independent_reference(ds, coords):
    obj = CrossEntropy(MLP(2, H, 2), ds.X_train, ds.y_train, lam=1e-4, dataset=ds)
    props = minimum_properties(obj, ds, coords, lpphe=[1.0, None, 3.0, 4.0, 5.0])
    assert [p.id for p in props] == [0, 1, 2, 3, 4]
    for w, p in zip(coords, props, strict=True):
        ptr, pte = np_proba(w, ds.X_train), np_proba(w, ds.X_test)
        assert p.train_auc == pytest.approx(roc_auc_score(ds.y_train, ptr[:, 1]), abs=1e-12)
        assert p.test_auc == pytest.approx(roc_auc_score(ds.y_test, pte[:, 1]), abs=1e-12)
        assert p.train_accuracy == accuracy_score(ds.y_train, ptr.argmax(axis=1))
        assert p.test_accuracy == accuracy_score(ds.y_test, pte.argmax(axis=1))
        assert p.ce_loss == pytest.approx(log_loss(ds.y_train, ptr), rel=1e-10)
        # a CE objective has no β: appAUC uses the paper's β = 40
        assert p.app_auc == pytest.approx(brute_app_auc(ds.y_train, ptr[:, 1], 40.0), rel=1e-10)
        # energy not given: the objective's E(W) = CE + λ‖W‖², no error to report
        assert p.energy == pytest.approx(log_loss(ds.y_train, ptr) + 1e-4 * w @ w, rel=1e-10)
        assert math.isnan(p.energy_error)
    assert math.isnan(props[1].lpphe) and props[2].lpphe == 3.0


def test_energy_error_and_beta_from_objective(ds, coords):
    obj = PairwiseAUC(MLP(2, H, 2), ds.X_train, ds.y_train, "sigmoid", beta=7.0, lam=0.0,
                      dataset=ds)
    true_e = np.array([obj.energy(w) for w in coords])
    shift = np.array([0.0, 1e-3, 0.0, -2e-3, 0.0])
    props = minimum_properties(obj, ds, coords, energies=true_e + shift, ids=[9, 8, 7, 6, 5],
                               hits=[1, 2, 3, 4, 5], min_eig=np.arange(5.0))
    for k, p in enumerate(props):
        s = np_proba(coords[k], ds.X_train)[:, 1]
        # the sigmoid objective's energy (λ = 0) is exactly 1 − appAUC at its own β
        assert p.app_auc == pytest.approx(brute_app_auc(ds.y_train, s, 7.0), rel=1e-10)
        assert p.app_auc == pytest.approx(1.0 - true_e[k], rel=1e-10)
        assert p.energy_error == pytest.approx(abs(shift[k]), abs=1e-12)
        assert (p.id, p.hits, p.min_eig) == (9 - k, k + 1, float(k))
    # explicit β wins; a bare MLP falls back to 40
    s0 = np_proba(coords[0], ds.X_train)[:, 1]
    p3 = minimum_properties(obj, ds, coords[0], beta=3.0)[0]
    assert p3.app_auc == pytest.approx(brute_app_auc(ds.y_train, s0, 3.0), rel=1e-10)
    bare = minimum_properties(MLP(2, H, 2), ds, coords[0])[0]
    assert bare.app_auc == pytest.approx(brute_app_auc(ds.y_train, s0, 40.0), rel=1e-10)
    assert math.isnan(bare.energy) and math.isnan(bare.energy_error)


def test_properties_validation(ds, coords):
    model = MLP(2, H, 2)
    with pytest.raises(ValueError, match="parameters"):
        minimum_properties(model, ds, coords[:, :-1])
    with pytest.raises(ValueError, match="energies has 2 entries for 5 minima"):
        minimum_properties(model, ds, coords, energies=[1.0, 2.0])
    with pytest.raises(ValueError, match="X_train"):
        minimum_properties(model, object(), coords)
    with pytest.raises(ValueError, match="MLP"):
        minimum_properties("net", ds, coords)
    with pytest.raises(ValueError, match="beta"):
        minimum_properties(model, ds, coords, beta=-1.0)


class _PositionRoundingMLP(MLP):
    """An MLP whose p_1 is one ulp higher on odd rows: BLAS-like position-dependent rounding."""

    def forward(self, w, X):
        f = super().forward(w, X)
        p = f.proba.copy()
        p[1::2, 1] = np.nextafter(p[1::2, 1], 2.0)
        return Forward(X=f.X, h=f.h, logits=f.logits, proba=p)


def _tied_auc(y: np.ndarray, group: np.ndarray, s: np.ndarray) -> float:
    """Brute force (1/(NP·NN)) Σ_p Σ_n [1(s_p > s_n) + ½·1(group_p = group_n)]."""
    same = group[y == 1][:, None] == group[y == 0][None, :]
    win = s[y == 1][:, None] > s[y == 0][None, :]
    return float(np.mean(np.where(same, 0.5, win)))


@pytest.mark.parametrize("case", ["saturated", "duplicate inputs"])
def test_auc_ties_survive_position_dependent_rounding(case):
    """Points sharing a hidden state (saturated tanh, or equal inputs) tie at ½ in the AUC,
    whatever rounding the output layer applies to each row."""
    if case == "saturated":  # h = tanh(60 x) = ±1 exactly for |x| ≥ 1
        x = np.array([1.0, 2.0, 3.0, 4.0, -1.0, -2.0, -3.0, -4.0])
        w = np.array([60.0, 0.0, 0.0, 1.0, 0.0, 0.0])
        group = np.sign(x)
    else:  # unsaturated: h = tanh(0.3 x); the same x twice is one point
        x = np.array([0.5, 0.5, 1.5, 1.5, -0.5, -0.5, 2.5, 2.5])
        w = np.array([0.3, 0.1, 0.0, 1.0, 0.0, 0.0])
        group = x
    y = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    data = SimpleNamespace(X_train=x[:, None], y_train=y, X_test=x[:, None], y_test=y)
    model = _PositionRoundingMLP(1, 1, 2)
    s_true = MLP(1, 1, 2).p1(w, x[:, None])
    nudged = model.forward(w, x[:, None]).proba[:, 1]
    ref = _tied_auc(y, group, s_true)
    assert roc_auc_score(y, nudged) != ref  # the rounding would change a plain AUC
    p = minimum_properties(model, data, w)[0]
    assert p.train_auc == p.test_auc == pytest.approx(ref, abs=1e-15)
    assert tie_exact_scores(model.forward(w, x[:, None])).shape == (8,)


def _props(energy, auc, lpphe):
    return [
        MinimumProperties(id=10 + i, energy=e, train_auc=0.5, test_auc=a, train_accuracy=0.5,
                          test_accuracy=0.5, ce_loss=0.7, app_auc=0.5, lpphe=lp, min_eig=1e-5)
        for i, (e, a, lp) in enumerate(zip(energy, auc, lpphe, strict=True))
    ]


def test_summary_against_numpy_and_scipy():
    rng = np.random.default_rng(3)
    e, auc, lp = rng.normal(size=12), rng.uniform(0.5, 1, 12), rng.normal(-80, 5, 12)
    lp[[2, 5]] = np.nan  # minima without a stored LPPHE
    s = summarize(_props(e, auc, lp), n_transition_states=4)
    assert (s.n_minima, s.n_transition_states, s.n_lpphe) == (12, 4, 10)
    assert s.best_test_auc == auc.max()
    assert s.best_test_auc_id == 10 + int(np.argmax(auc))
    assert s.mean_test_auc == pytest.approx(np.mean(auc), rel=1e-14)
    assert s.sd_test_auc == pytest.approx(np.std(auc, ddof=1), rel=1e-12)
    assert s.mean_lpphe == pytest.approx(np.nanmean(lp), rel=1e-14)
    assert s.sd_lpphe == pytest.approx(np.nanstd(lp, ddof=1), rel=1e-12)
    g = int(np.argmin(e))
    assert (s.global_minimum_id, s.global_minimum_energy, s.global_minimum_test_auc) == (
        10 + g, e[g], auc[g])
    ref = pearsonr(e, auc)
    assert s.energy_test_auc.r == pytest.approx(ref.statistic, rel=1e-12)
    assert s.energy_test_auc.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    keep = np.isfinite(lp)
    ref_lp = pearsonr(lp[keep], auc[keep])
    assert s.lpphe_test_auc.n == 10
    assert s.lpphe_test_auc.r == pytest.approx(ref_lp.statistic, rel=1e-12)
    labels = [label for label, _ in summary_rows(s)]
    assert "transition states" in labels and "minima with LPPHE" in labels
    json.dumps(s.to_dict(), allow_nan=False)  # strict JSON-able


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(0, 1)), min_size=2, max_size=30))
def test_pearson_matches_scipy(pairs):
    x, y = np.array(pairs).T
    c = pearson(x, y, "a", "b")
    assert (c.x, c.y, c.n) == ("a", "b", len(pairs))
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        assert c.r is None and c.p_value is None
    else:
        ref = pearsonr(x, y)
        assert c.r == pytest.approx(ref.statistic, abs=1e-9)
        assert c.p_value == pytest.approx(ref.pvalue, abs=1e-9)


def test_degenerate_summaries():
    empty = summarize([])
    assert empty.n_minima == 0 and empty.best_test_auc is None and empty.sd_test_auc is None
    assert empty.global_minimum_id is None and empty.energy_test_auc.r is None
    one = summarize(_props([1.0], [0.8], [-3.0]))
    assert one.mean_test_auc == 0.8 and one.sd_test_auc is None and one.sd_lpphe is None
    assert pearson([1.0, np.nan, 3.0], [2.0, 5.0, np.nan]).n == 1
    with pytest.raises(ValueError, match="differ in length"):
        pearson([1.0, 2.0], [1.0])


def test_format_table_layout():
    text = format_table([["a", 1.5, None], ["bbb", 10, 2.0]], ["name", "x", "y"],
                        floatfmt=".2f", title="T")
    assert text.splitlines() == [
        "T",
        "name     x     y",
        "----  ----  ----",
        "a     1.50     -",
        "bbb     10  2.00",
    ]
    with pytest.raises(ValueError, match="row 1 has 2 cells, expected 3"):
        format_table([[1, 2, 3], [1, 2]], ["a", "b", "c"])


def test_csv_and_json_round_trip(tmp_path):
    props = _props([0.25, 1 / 3], [0.9, 0.1 + 0.2], [-7.0, float("nan")])
    props[0] = MinimumProperties(**{**props[0].to_dict(), "hits": 4, "energy_error": 1e-17})
    path = tmp_path / "m.csv"
    write_csv(path, [p.to_dict() for p in props], MinimumProperties.field_names())
    back = read_csv(path)
    assert list(back[0]) == MinimumProperties.field_names()
    assert back[0] == props[0].to_dict()  # floats exact via repr
    assert back[1]["hits"] is None and math.isnan(back[1]["lpphe"])
    assert back[1]["test_auc"] == 0.1 + 0.2 and back[1]["energy"] == 1 / 3
    s = summarize(props)
    jpath = tmp_path / "s.json"
    write_json(jpath, s.to_dict())
    loaded = json.loads(jpath.read_text())
    assert loaded["n_minima"] == 2 and loaded["best_test_auc"] == 0.9
    assert loaded["sd_lpphe"] is None  # one LPPHE only
    write_json(tmp_path / "nan.json", {"a": float("nan"), "b": np.float64(2.5), "c": (1, 2)})
    assert json.loads((tmp_path / "nan.json").read_text()) == {"a": None, "b": 2.5, "c": [1, 2]}
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_csv(tmp_path / "no" / "x.csv", [], ["a"])


def test_analyze_store_in_memory(ds, coords):
    obj = CrossEntropy(MLP(2, H, 2), ds.X_train, ds.y_train, lam=1e-5, dataset=ds)
    store = Store(":memory:", obj.describe())
    energies = [obj.energy(w) for w in coords[:3]]
    ids = [store.add_minimum(e, w, lpphe=-5.0 - k) for k, (e, w) in
           enumerate(zip(energies, coords[:3], strict=True))]
    store.add_ts(max(energies) + 1.0, coords[3], ids[0], ids[1])
    result = analyze_store(store)
    order = np.argsort(energies)
    assert [p.id for p in result.minima] == [ids[k] for k in order]
    assert result.energies_consistent and result.max_energy_error < 1e-12
    assert result.summary.n_transition_states == 1 and result.beta == 40.0
    test_auc = [roc_auc_score(ds.y_test, np_proba(coords[k], ds.X_test)[:, 1]) for k in order]
    np.testing.assert_allclose([p.test_auc for p in result.minima], test_auc, atol=1e-12)
    # a data set other than the recorded one shows up as an energy mismatch
    other = spiral(points_per_arm=30, seed=2)
    assert not analyze_store(store, dataset=other).energies_consistent
    store.close()


def test_analyze_store_needs_description(ds, coords):
    obj = CrossEntropy(MLP(2, H, 2), ds.X_train, ds.y_train)  # no dataset recorded
    bare = Store(":memory:")
    with pytest.raises(ValueError, match="no objective description"):
        analyze_store(bare)
    bare.add_run({"objective": obj.describe()})  # falls back to the run record
    with pytest.raises(ValueError, match="records no data set"):
        analyze_store(bare)
    bare.add_minimum(obj.energy(coords[0]), coords[0])
    result = analyze_store(bare, dataset=ds)
    assert result.summary.n_minima == 1 and result.energies_consistent
    bare.close()
