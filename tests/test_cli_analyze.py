"""Tests for ``aucscape analyze`` on a small database built here."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import pearsonr
from sklearn.metrics import roc_auc_score

from aucscape.analysis import read_csv
from aucscape.cli import main
from aucscape.data import spiral
from aucscape.landscape.store import Store
from aucscape.nn import MLP
from aucscape.objectives import CrossEntropy, hessian_spectrum

DATA = {"points_per_arm": 30, "seed": 1}


def test_proba(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Independent 2-3-2 forward pass (w = [W1 (3×2), b1, W2 (2×3), b2]) → p_1."""
    W1, b1, W2, b2 = w[:6].reshape(3, 2), w[6:9], w[9:15].reshape(2, 3), w[15:]
    o = np.tanh(X @ W1.T + b1) @ W2.T + b2
    return 1.0 / (1.0 + np.exp(o[:, 0] - o[:, 1]))


test_proba.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """Three CE minima of a 2-3-2 spiral network, quenched with scipy L-BFGS-B, + one TS."""
    ds = spiral(**DATA)
    obj = CrossEntropy(MLP(2, 3, 2), ds.X_train, ds.y_train, lam=1e-5, dataset=ds)
    path = tmp_path_factory.mktemp("an") / "landscape.db"
    store = Store(path, obj.describe())
    run = store.add_run({"objective": obj.describe(), "seed": 0})
    coords = {}
    for seed in (0, 1, 2):
        x0 = obj.random_point(np.random.default_rng(seed))
        res = minimize(obj.energy_gradient, x0, jac=True, method="L-BFGS-B",
                       options={"gtol": 1e-8, "maxiter": 300})
        spec = hessian_spectrum(obj.hessian(res.x))
        mid = store.add_minimum(res.fun, res.x, min_eig=spec.min_eigenvalue, run_id=run,
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
        assert r["test_auc"] == pytest.approx(roc_auc_score(ds.y_test, test_proba(w, ds.X_test)),
                                              abs=1e-12)
        assert r["train_auc"] == pytest.approx(
            roc_auc_score(ds.y_train, test_proba(w, ds.X_train)), abs=1e-12)
        assert r["energy_error"] < 1e-12
        assert r["ce_loss"] == pytest.approx(energy - 1e-5 * w @ w, rel=1e-9)
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
