"""Tests for ``aucscape analyze`` on a small database built here."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import pearsonr

from aucscape.analysis import read_csv
from aucscape.cli import main
from aucscape.data import spiral
from aucscape.landscape.store import Store
from aucscape.nn import MLP
from aucscape.objectives import CrossEntropy, hessian_spectrum

DATA = {"points_per_arm": 30, "seed": 1}
#: λ and start seeds chosen so that the three minima keep every score gap ≥ 1e-5 (at λ = 1e-5
#: the tanh units saturate and scores of different points agree to 1e-16: see reference_auc).
LAM, SEEDS = 1e-3, (0, 3, 5)


def test_forward(w: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent 2-3-2 forward pass (w = [W1 (3×2), b1, W2 (2×3), b2]) → (h, p_1).

    Written with elementwise operations only (no BLAS), so every row is computed by the same
    sequence of correctly rounded operations: equal rows of h give bit-equal p_1.
    """
    W1, b1, W2, b2 = w[:6].reshape(3, 2), w[6:9], w[9:15].reshape(2, 3), w[15:]
    h = np.tanh(b1 + X[:, :1] * W1[:, 0] + X[:, 1:] * W1[:, 1])
    v = W2[1] - W2[0]
    d = (b2[1] - b2[0]) + h[:, 0] * v[0] + h[:, 1] * v[1] + h[:, 2] * v[2]
    return h, 1.0 / (1.0 + np.exp(-d))


test_forward.__test__ = False  # a helper, not a test

#: Smallest score gap between points of different hidden states that the fixture must keep,
#: far above rounding (~1e-16), so no pair of the reference is decided by the last bits.
NEAR_TIE = 1e-9


def reference_auc(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Brute-force Mann-Whitney (1/(NP·NN)) Σ_p Σ_n [1(s_p > s_n) + ½·1(h_p = h_n)].

    Pairs whose float hidden states are equal (a saturated tanh layer puts points of both
    classes at h = ±1) are ties of the network's output. Every other pair must differ by
    more than NEAR_TIE, which the fixture asserts, so the value cannot depend on rounding.
    """
    h, s = test_forward(w, X)
    pos, neg = y == 1, y == 0
    same = np.all(h[pos][:, None, :] == h[neg][None, :, :], axis=-1)
    d = s[pos][:, None] - s[neg][None, :]
    assert np.all(same | (np.abs(d) > NEAR_TIE)), "fixture has a near-tie: change its seeds"
    return float(np.mean(np.where(same, 0.5, d > 0)))


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """Three CE minima of a 2-3-2 spiral network, quenched with scipy L-BFGS-B, + one TS."""
    ds = spiral(**DATA)
    obj = CrossEntropy(MLP(2, 3, 2), ds.X_train, ds.y_train, lam=LAM, dataset=ds)
    path = tmp_path_factory.mktemp("an") / "landscape.db"
    store = Store(path, obj.describe())
    run = store.add_run({"objective": obj.describe(), "seed": 0})
    coords = {}
    for seed in SEEDS:
        x0 = obj.random_point(np.random.default_rng(seed))
        res = minimize(obj.energy_gradient, x0, jac=True, method="L-BFGS-B",
                       options={"gtol": 1e-8, "maxiter": 300})
        spec = hessian_spectrum(obj.hessian(res.x))
        mid = store.add_minimum(res.fun, res.x, min_eig=spec.min_eig, run_id=run,
                                lpphe=None if np.isnan(spec.lpphe) else spec.lpphe)
        coords[mid] = (res.fun, res.x)
    ids = sorted(coords)
    store.add_ts(max(e for e, _ in coords.values()) + 0.1, coords[ids[0]][1], ids[0], ids[1])
    store.close()
    return path, ds, coords


def test_analyze_writes_expected_rows(database, tmp_path, capsys):
    path, ds, coords = database
    csv_path, json_path = tmp_path / "minima.csv", tmp_path / "summary.json"
    rc = main(["analyze", "--db", str(path), "--csv", str(csv_path), "--json", str(json_path)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert out.err == ""
    rows = read_csv(csv_path)
    by_energy = sorted(coords, key=lambda k: coords[k][0])
    assert [r["id"] for r in rows] == by_energy
    for r in rows:
        energy, w = coords[r["id"]]
        assert r["energy"] == energy
        assert r["test_auc"] == pytest.approx(reference_auc(w, ds.X_test, ds.y_test), abs=1e-12)
        assert r["train_auc"] == pytest.approx(reference_auc(w, ds.X_train, ds.y_train),
                                               abs=1e-12)
        assert r["energy_error"] < 1e-12
        assert r["ce_loss"] == pytest.approx(energy - LAM * w @ w, rel=1e-9)
    summary = json.loads(json_path.read_text())["summary"]
    assert summary["n_minima"] == 3 and summary["n_transition_states"] == 1
    auc = np.array([r["test_auc"] for r in rows])
    assert summary["best_test_auc"] == auc.max()
    ref = pearsonr([r["energy"] for r in rows], auc)
    assert summary["energy_test_auc"]["r"] == pytest.approx(ref.statistic, rel=1e-10)
    # the printed report: summary table and one line per minimum
    assert "transition states" in out.out and "Pearson r(energy, test_auc)" in out.out
    assert "lowest 3 of 3 minima" in out.out


def test_quiet_and_stdout_json(database, capsys):
    path, _, _ = database
    assert main(["analyze", "--db", str(path), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["analyze", "--db", str(path), "--quiet", "--json", "-", "--beta", "5"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["app_auc_beta"] == 5.0 and doc["summary"]["n_minima"] == 3


def _bad_files(tmp_path):
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    return {"missing": tmp_path / "absent.db", "foreign": foreign, "text": text,
            "directory": tmp_path}


@pytest.mark.parametrize("kind", ["missing", "foreign", "text", "directory"])
def test_bad_database_exits_2_with_one_line(kind, tmp_path, capsys):
    path = _bad_files(tmp_path)[kind]
    assert main(["analyze", "--db", str(path)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aucscape analyze: error: ")
    assert str(path) in lines[0]


def test_bad_arguments_exit_2(database, tmp_path, capsys):
    path, _, _ = database
    missing_dir = tmp_path / "nowhere" / "m.csv"
    assert main(["analyze", "--db", str(path), "--csv", str(missing_dir)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
    assert main(["analyze", "--db", str(path), "--top", "-1"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["analyze"])  # --db is required
    assert exc.value.code == 2


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--help"])
    assert exc.value.code == 0
    assert "--db FILE" in capsys.readouterr().out
