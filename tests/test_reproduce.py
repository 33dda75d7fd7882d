"""``aucscape reproduce`` end to end on a tiny config, checked against the databases;
and the findings / report logic on hand-made results."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from aucscape.cli import main
from aucscape.data import load_dataset
from aucscape.study.findings import findings, loss_selection, tables
from aucscape.study.results import LandscapeResult, StudyResults

TINY = """
[study]
name = "tiny"
seed = 3
[datasets.spiral]
kind = "spiral"
points_per_arm = 20
[datasets.creditcard]
kind = "creditcard"
n = 100
[model]
hidden = 2
[explore]
tol = 1e-7
max_steps = {steps}
start_range = 0.5
step = 2.5
[connect]
max_attempts = 1
batch = 1
n_images = 5
dneb_max_iter = 50
hef_max_iter = 30
[grow]
max_attempts = 6
[parts.surrogates]
losses = ["sigmoid", "smooth_hinge"]
[parts.creditcard]
hidden = 1
[parts.beta_sigmoid]
values = [10.0, 40.0]
[parts.beta_exp]
values = [1.0, 2.0]
[parts.lambda]
losses = ["ce"]
values = [1e-3, 1e-5]
"""


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    cfg = root / "tiny.toml"
    cfg.write_text(TINY.format(steps=3))
    out = root / "out"
    assert main(["reproduce", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    return root, cfg, out


def test_writes_report_tables_figures_and_databases(study):
    _, _, out = study
    for name in ("report.md", "report.html", "results.json", "tables/table1_spiral.csv",
                 "tables/table2_surrogates.csv", "tables/table3_creditcard.csv",
                 "tables/table4_lambda.csv", "tables/beta_sigmoid.csv", "tables/beta_exp.csv",
                 "tables/findings.csv", "tables/loss_selection.csv",
                 "figures/figure4_loss_vs_auc.png", "figures/figure5_ce_loss.png",
                 "figures/figure6_beta_sigmoid.png", "figures/figure7_beta_exp.png",
                 "figures/figure8_lambda_graphs.png"):
        assert (out / name).is_file(), name
    assert (out / "figures/figure4_loss_vs_auc.png").read_bytes()[:4] == b"\x89PNG"
    for png in (out / "figures").glob("*.png"):  # vector twin, 300 dpi, no placeholders
        assert png.with_suffix(".pdf").read_bytes()[:4] == b"%PDF", png.name
        data = png.read_bytes()
        k = data.index(b"pHYs") + 4
        assert int.from_bytes(data[k:k + 4], "big") == round(300 / 0.0254), png.name
    html = (out / "report.html").read_text()
    # self-contained: every image is embedded, nothing is fetched
    n_png = len(list((out / "figures").glob("*.png")))
    assert html.count("src='data:image/png;base64,") == n_png
    assert not re.search(r"src=['\"](?!data:)", html)
    md = (out / "report.md").read_text()
    assert "13,948 vs 1,903" in md and "## Loss selection" in md
    assert "## Set-up: what the paper leaves open" in md
    assert "starting weights: every parameter uniform in [−0.5, 0.5]" in md  # start_range
    assert "basin-hopping step: every parameter moved by U(−2.5, 2.5) at T = 2" in md
    assert ("hinge (assumed): the paper's hinge is run as the hinge (smoothed: "
            "log(1 + e^{m − βz}))") in md
    findings_rows = _csv(out / "tables/findings.csv")
    assert len(findings_rows) == 28
    assert list(findings_rows[0]) == ["finding", "paper", "this run", "test", "verdict",
                                      "budget", "90% interval", "band",
                                      "power at 1 replicates"]
    assert all(r["band"].startswith("[") and "(paper " in r["band"] for r in findings_rows)
    # one replicate: no interval, so nothing can be decided
    assert {r["verdict"] for r in findings_rows} == {"undecided"}
    t1 = _csv(out / "tables/table1_spiral.csv")
    assert {"landscape", "mean test AUC", "mean LPPHE"} <= set(t1[0])


def test_tables_match_the_databases(study):
    from aucscape.landscape.basinhopping import recorded_start_range
    from aucscape.landscape.store import Store
    from aucscape.objectives import build_objective

    _, _, out = study
    rows = {r["key"]: r for r in _csv(out / "tables/landscapes.csv")}
    # ce, sigmoid β40 (shared by main, surrogates, β), smooth hinge, 2 credit card, sigmoid β10,
    # exp β1 and β2, ce λ=1e-3 (ce λ=1e-5 is main's): each landscape explored once
    assert len(rows) == 9
    t1 = {r["landscape"]: r for r in _csv(out / "tables/table1_spiral.csv")}
    t3 = {r["landscape"]: r for r in _csv(out / "tables/table3_creditcard.csv")}
    checked = 0
    for key, row in rows.items():
        with Store(out / row["database"], read_only=True) as store:
            minima = list(store.iter_minima())
            assert int(row["minima"]) == len(minima) > 0
            assert int(row["transition states"]) == store.n_ts()
            objective = build_objective(store.objective_description)
            # [explore] start_range reaches basin-hopping and its run record
            assert recorded_start_range(store) == 0.5
            # the global minimum's network, by a breadth-first search over the stored TSs
            adj = {m.id: set() for m in minima}
            for t in store.iter_ts():
                adj[t.min1].add(t.min2)
                adj[t.min2].add(t.min1)
            seen = {min(minima, key=lambda m: m.energy).id}
            todo = list(seen)
            while todo:
                new = adj[todo.pop()] - seen
                seen |= new
                todo += new
        assert int(row["connected minima"]) == len(seen)
        assert int(row["outside network"]) == len(minima) - len(seen)
        state = json.loads((out / "db" / f"{key}.json").read_text())
        assert int(row["quenches"]) == state["steps"] == 3
        parts = row["parts"].split(", ")
        table = t1 if "main" in parts else t3 if "creditcard" in parts else None
        if table is None:
            continue
        # test AUCs recomputed independently: the stored W, a forward pass, scikit-learn
        ds = load_dataset(objective.describe()["dataset"])
        aucs = [roc_auc_score(ds.y_test, objective.scores(m.coords, ds.X_test))
                for m in minima]
        t = table[row["landscape"]]
        assert float(t["minima stored"]) == len(minima)
        assert float(t["connected minima"]) == len(seen)
        # basin-hopping's minima (stepping stones from connect are not counted)
        assert float(t["minima"]) == len(state["discovery"]) <= len(minima)
        assert [q for q, _ in state["discovery"]] == sorted(q for q, _ in state["discovery"])
        assert float(t["best test AUC"]) == pytest.approx(max(aucs))
        assert float(t["mean test AUC"]) == pytest.approx(np.mean(aucs))
        checked += 1
    assert checked == 4


def test_grown_landscapes_are_counted_by_both_identity_rules(study):
    from aucscape.landscape.grow import load_attempts
    from aucscape.landscape.store import Store

    _, _, out = study
    rows = {r["key"]: r for r in _csv(out / "tables/landscapes.csv")}
    t1 = {r["landscape"]: r for r in _csv(out / "tables/table1_spiral.csv")}
    grown = 0
    for key, row in rows.items():
        if "main" not in row["parts"].split(", "):
            continue
        state = json.loads((out / "db" / f"{key}.json").read_text())
        with Store(out / row["database"], read_only=True) as store:
            log = load_attempts(store)
            minima = list(store.iter_minima(order="id"))
            tss = list(store.iter_ts(order="id"))
        assert state["grow_attempts"] == len(log) == 6  # the part's budget, all spent
        assert state["grow_stopped"] == "attempts"
        t = t1[row["landscape"]]
        assert float(t["growth searches"]) == 6 and t["saturated replicates"] == "0 of 1"

        # PATHSAMPLE's rule at GEOMDIFFTOL 1e2 is energy only here: brute force, each point
        # against those kept before it (no chaining)
        def kept(points):
            out_ = []
            for p in points:
                if all(abs(p.energy - q.energy) >= 1e-4 for q in out_):
                    out_.append(p)
            return len(out_)

        assert float(t["minima (PATHSAMPLE, geom 1e2)"]) == kept(minima)
        assert float(t["TS (PATHSAMPLE, geom 1e2)"]) == kept(tss)
        assert float(t["minima (PATHSAMPLE, geom 1e-2)"]) <= len(minima)
        grown += 1
    assert grown == 2


def test_refuses_to_overwrite_and_resumes(study, capsys):
    root, _, out = study
    bigger = root / "tiny5.toml"
    bigger.write_text(TINY.format(steps=5))
    before = json.loads((out / "results.json").read_text())
    assert main(["reproduce", "--config", str(bigger), "--out", str(out), "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    (out / "report.md").rename(out / "report.old")
    (out / "report.html").rename(out / "report.old.html")
    assert main(["reproduce", "--config", str(bigger), "--out", str(out), "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["reproduce", "--config", str(bigger), "--out", str(out), "--quiet",
                 "--resume"]) == 0
    after = json.loads((out / "results.json").read_text())
    for key, old in before["landscapes"].items():
        new = after["landscapes"][key]
        assert new["steps"] == 5
        assert set(old["minima"]["id"]) <= set(new["minima"]["id"])  # kept, then added to


def test_invalid_config_is_one_line_error(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[explore]\nmax_step = 3\n")
    assert main(["reproduce", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "explore.max_step: unknown key" in err
    assert not (tmp_path / "o").exists()


# -- findings on hand-made results ------------------------------------------------------------
def _land(key, loss, *, n, auc, lpphe=-100.0, energies=None, beta=None, lam=1e-5, part="main",
          dataset="spiral", app_gap=0.0, replicate=0, hits=None):
    auc = np.broadcast_to(np.asarray(auc, float), (n,))
    e = np.linspace(0.1, 0.5, n) if energies is None else np.asarray(energies, float)
    train = np.full(n, 0.8)
    hits = [1] * n if hits is None else list(hits)
    return LandscapeResult(
        key=f"{key}-r{replicate}", label=key, dataset=dataset, loss=loss, hidden=10, n_in=2,
        lam=lam, beta=beta, margin=None, parts=[part], db=f"db/{key}.db", steps=50,
        n_eval=500, replicate=replicate, group=key,
        discovery=[[k + 1, k + 1] for k in range(n)],
        minima={"id": list(range(1, n + 1)), "energy": e.tolist(), "train_auc": train.tolist(),
                "test_auc": auc.tolist(), "ce_loss": e.tolist(),
                "app_auc": (train + app_gap).tolist(), "lpphe": [lpphe] * n,
                "hits": hits},
        summary={"best_test_auc": float(auc.max()), "mean_test_auc": float(auc.mean()),
                 "mean_lpphe": lpphe,
                 "energy_test_auc": {"r": float(np.corrcoef(e, auc)[0, 1])
                                     if n > 1 and np.ptp(auc) > 0 else None}})


def _results(lands, parts=None):
    if parts is None:
        parts = {}
        for x in lands:
            parts.setdefault(x.parts[0], []).append(x.key)
    return StudyResults(config={"name": "t"}, landscapes={x.key: x for x in lands},
                        parts=parts)


def _replicated(key, loss, reps=3, **kw):
    """``reps`` replicates whose AUCs and LPPHEs wobble a little about the given ones."""
    out = []
    for r in range(reps):
        k = dict(kw)
        k["auc"] = np.asarray(kw["auc"], float) + 0.005 * (r - 1)
        k["lpphe"] = kw.get("lpphe", -100.0) + 0.5 * (r - 1)
        out.append(_land(key, loss, replicate=r, **k))
    return out


def test_main_findings_follow_the_measurements():
    # sigmoid: 9 minima seen once each (Chao1 9 + 9·8/2 = 45); CE: 3 minima, each hit 3 times
    ce = _replicated("ce", "ce", n=3, auc=[0.6, 0.65, 0.7], lpphe=-110, hits=[3, 3, 3])
    sg = _replicated("sg", "sigmoid", n=9, auc=np.linspace(0.7, 0.8, 9), lpphe=-93)
    for r in ce:
        r.nearest_ce = [1.0, 1.2, 0.8]
    for r in sg:
        r.nearest_ce = [2.0 + 0.1 * r.replicate] * 9
    f = findings(_results([*ce, *sg]))
    assert [x.agrees for x in f[:4]] == [True, True, True, True]
    assert f[6].claim.startswith("appAUC minima are not close") and f[6].agrees is True
    assert f[6].estimate == pytest.approx(2.1)
    assert f[0].estimate == pytest.approx(45 / 3)
    assert "ratio appAUC/CE of minima found in 50 quenches = 3.00" in f[0].measured
    assert f[1].low <= f[1].estimate <= f[1].high
    assert f[1].estimate == pytest.approx(0.75 - 0.65)
    # Δ mean test AUC +0.10: the paper's sign, twice the paper's +0.04: not reproduced
    assert f[1].verdict == "same direction"
    more = {x.id: x for x in f}
    # global minima: the lowest-energy rows, AUC 0.70 (sigmoid) vs 0.60 (CE) per replicate
    assert more["main.gmin_auc"].estimate == pytest.approx(0.10)
    assert all(x.agrees is None for x in f if not x.id.startswith("main."))  # not run
    assert more["main.ts_ce"].measured.startswith("undecided")  # no network at all
    # the same comparison turned round disagrees: nothing is tuned to agree
    ce2 = _replicated("ce", "ce", n=9, auc=np.linspace(0.7, 0.8, 9), lpphe=-93)
    sg2 = _replicated("sg", "sigmoid", n=3, auc=[0.6, 0.65, 0.7], lpphe=-110, hits=[3, 3, 3])
    f2 = findings(_results([*ce2, *sg2]))
    assert [x.agrees for x in f2[:4]] == [False, False, False, False]


def test_interval_straddling_the_threshold_is_undecided():
    ce = [_land("ce", "ce", n=3, auc=a, replicate=r)
          for r, a in enumerate([0.60, 0.70, 0.65])]
    sg = [_land("sg", "sigmoid", n=3, auc=a, replicate=r)
          for r, a in enumerate([0.66, 0.64, 0.65])]
    f = findings(_results([*ce, *sg]))[1]  # mean test AUC: +0.06, −0.06, 0 by replicate
    assert f.low < 0 < f.high and f.agrees is None and f.verdict == "undecided"


def test_beta_findings_measure_the_one_over_beta_law():
    betas = [1.0, 4.0, 16.0, 64.0]
    lands = [x for k, b in enumerate(betas)
             for x in _replicated(f"b{b:g}", "sigmoid", n=2 + k,
                                  auc=np.linspace(0.6, 0.6 + 0.05 * (k + 1), 2 + k),
                                  beta=b, part="beta_sigmoid", app_gap=0.5 / b)]
    every = {x.id: x for x in findings(_results(lands))}
    f = [every[k] for k in ("beta.minima", "beta.best_auc", "beta.gap")]
    assert [x.agrees for x in f] == [True, True, True]
    assert [x.verdict for x in f] == ["reproduced"] * 3  # ρ = ±1 lies in its band
    # the gap at the largest β is 0.5/64 ≈ 0.008, wholly below the paper's 0.02-0.06
    assert every["beta.plateau"].estimate == pytest.approx(0.5 / 64)
    assert every["beta.plateau"].verdict == "contradicted"
    assert "gap ∝ β^-1.00" in f[2].measured
    (table,) = tables(_results(lands))
    assert [row[1] for row in table.rows] == [3, 3, 3, 3]  # replicates
    gaps = [row[6] for row in table.rows]
    assert gaps == pytest.approx([0.5 / b for b in betas])


def test_loss_selection_ranks_measured_features():
    a = _land("a", "sigmoid", n=4, auc=[0.9, 0.8, 0.7, 0.6], lpphe=-120, part="surrogates",
              energies=[0.1, 0.2, 0.3, 0.4])
    b = _land("b", "hinge", n=8, auc=np.linspace(0.5, 0.6, 8), lpphe=-90, part="surrogates")
    table, lines = loss_selection(_results([a, b]))
    assert [row[0] for row in table.rows] == ["a", "b"]
    ranks = [row[-1] for row in table.rows]
    assert ranks[0] < ranks[1]
    assert any("**a**" in line and "Best mean rank" in line for line in lines)


def test_results_file_is_replaced_atomically(tmp_path, monkeypatch):
    from pathlib import Path

    res = StudyResults(config={"name": "x"}, landscapes={}, parts={}, wall_seconds=1.0,
                       workers=1, scheduler=None, version="0", created="now")
    target = tmp_path / "results.json"
    res.save(target)
    before = target.read_text()
    from aucscape import _files

    def torn(path):  # the disk fills up half way through: half written, then the error
        Path(path).write_bytes(Path(path).read_bytes()[:10])
        raise OSError("No space left on device")

    monkeypatch.setattr(_files, "_fsync_file", torn)
    with pytest.raises(OSError, match="No space"):
        res.save(target)
    monkeypatch.undo()
    assert target.read_text() == before
    assert json.loads(before)["config"] == {"name": "x"}


def test_unreachable_scheduler_creates_nothing(tmp_path, capsys):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY.format(steps=1))
    out = tmp_path / "out"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        rc = main(["reproduce", "--config", str(cfg), "--out", str(out), "--quiet",
                   "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "scheduler" in err
    assert not out.exists()


def test_sequential_study_pins_blas(monkeypatch, tmp_path):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from aucscape.parallel import blas_thread_counts
    from aucscape.study import engine, load_config, run_study

    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY.format(steps=1))
    seen = []
    real = engine.explore

    def spy(*args, **kwargs):
        seen.append(max(blas_thread_counts() or [1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "explore", spy)
    with threadpoolctl.threadpool_limits(limits=2):
        if max(blas_thread_counts() or [1]) < 2:
            pytest.skip("this BLAS runs one thread only")
        run_study(load_config(cfg), tmp_path / "out", workers=1)
    assert seen and set(seen) == {1}


# -- the statistics behind the verdicts -------------------------------------------------------
def test_chao1_and_energy_merge_against_brute_force():
    from aucscape.study.stats import chao1, merge_by_energy

    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 30))
        e = np.round(rng.uniform(0, 0.01, n), 6)
        hits = rng.integers(1, 4, n)
        merged = merge_by_energy(e, hits, 1e-4)
        # brute force: union-find over pairs closer than 1e-4 (chained), hits summed
        parent = list(range(n))

        def root(i, parent=parent):
            while parent[i] != i:
                i = parent[i]
            return i
        for i in range(n):
            for j in range(n):
                if abs(e[i] - e[j]) < 1e-4:
                    parent[root(i)] = root(j)
        sums = {}
        for i in range(n):
            sums[root(i)] = sums.get(root(i), 0) + int(hits[i])
        assert sorted(merged.tolist()) == sorted(sums.values())
        f1, f2 = sum(v == 1 for v in sums.values()), sum(v == 2 for v in sums.values())
        assert chao1(merged) == pytest.approx(len(sums) + f1 * (f1 - 1) / (2 * (f2 + 1)))


def test_t_interval_covers_the_mean_at_its_level_and_verdicts_follow_it():
    from aucscape.study.stats import interval

    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(1000):
        x = rng.normal(0.3, 0.1, 3)  # three replicates, as in the presets
        _, lo, hi = interval(lambda idx, x=x: float(np.mean(x[list(idx)])), 3)
        covered += lo <= 0.3 <= hi
    assert covered / 1000 == pytest.approx(0.90, abs=0.03)  # exact for normal replicates
    est, lo, hi = interval(lambda idx: [1.0, 2.0, 3.0][idx[0]] if len(idx) == 1 else 9.0, 3)
    assert est == 2.0 and (lo, hi) == pytest.approx((2 - 2.919986 / 3 ** 0.5,
                                                     2 + 2.919986 / 3 ** 0.5), rel=1e-5)
    assert interval(lambda idx: 1.0, 2)[1:] == (None, None)  # too few replicates


def test_auc_standard_error_matches_resampled_test_sets():
    from aucscape.study.stats import auc_se

    rng = np.random.default_rng(2)
    aucs = []
    for _ in range(3000):  # exponential scores: the case Hanley & McNeil derived it for
        pos, neg = rng.exponential(1.0, 19), rng.exponential(2.0, 19)
        aucs.append(np.mean(pos[:, None] < neg[None, :]))
    a = float(np.mean(aucs))
    assert auc_se(a, 19, 19) == pytest.approx(np.std(aucs), rel=0.1)


def test_window_counts_new_minima_at_the_energy_criterion():
    from aucscape.study.engine import n_new_at

    rng = np.random.default_rng(3)
    for _ in range(50):
        old = list(np.round(rng.uniform(0, 1e-3, rng.integers(0, 6)), 7))
        new = list(np.round(rng.uniform(0, 1e-3, rng.integers(0, 6)), 7))
        brute, seen = 0, list(old)
        for e in new:
            brute += all(abs(e - x) >= 1e-4 for x in seen)
            seen.append(e)
        assert n_new_at(old, new, 1e-4) == brute


def test_config_error_leaves_nothing_behind(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(TINY.format(steps=1) + "\n[datasets.creditcard.x]\n".replace(
        "[datasets.creditcard.x]\n", ""))
    text = cfg.read_text().replace('n = 100\n', 'n = 100\npositive_fraction = 2.0\n')
    cfg.write_text(text)
    out = tmp_path / "o"
    assert main(["reproduce", "--config", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "datasets.creditcard.positive_fraction" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert main(["reproduce", "--config", str(cfg), "--out", str(out), "--seed", "-1"]) == 2
    assert not out.exists()


def test_nearest_distances_see_through_hidden_unit_symmetry():
    from aucscape.data import spiral
    from aucscape.landscape.ts.symmetry import nearest_distances
    from aucscape.objectives import make_objective

    obj = make_objective(spiral(points_per_arm=20), "ce", hidden=3)
    rng = np.random.default_rng(4)
    w = rng.uniform(-1, 1, obj.n_params)
    # the same network with hidden units 0 and 2 swapped and unit 1's sign flipped
    H, K = 3, 2
    W1, b1 = w[:H * K].reshape(H, K), w[H * K:H * K + H]
    W2, b2 = w[H * K + H:H * K + H + 2 * H].reshape(2, H), w[-2:]
    perm, sign = [2, 1, 0], np.array([1.0, -1.0, 1.0])
    v = np.concatenate([(W1[perm] * sign[:, None]).ravel(), b1[perm] * sign,
                        (W2[:, perm] * sign).ravel(), b2])
    np.testing.assert_allclose(obj.energy(v), obj.energy(w), rtol=1e-12)
    far = w + 0.5
    assert nearest_distances(obj, [v], [far, w])[0] == pytest.approx(0.0, abs=1e-9)
    own = nearest_distances(obj, [w, v, far])
    assert own[0] == pytest.approx(0.0, abs=1e-9) and own[2] > 0.1


def _empty_land(key, loss, replicate=0, part="surrogates"):
    """A landscape whose quenches all failed the RMS criterion: no minimum stored."""
    return LandscapeResult(
        key=f"{key}-r{replicate}", label=key, dataset="spiral", loss=loss, hidden=10,
        n_in=2, lam=1e-5, beta=40.0, margin=1.0, parts=[part], db=f"db/{key}.db", steps=50,
        n_eval=500, replicate=replicate, group=key, discovery=[],
        minima={"id": [], "energy": [], "train_auc": [], "test_auc": [], "ce_loss": [],
                "app_auc": [], "lpphe": [], "hits": []},
        summary={})


def test_landscape_without_minima_is_undecided_not_a_crash():
    # the kinked hinge's minima sit on kinks: no quench converges, the store stays empty
    lands = [x for loss in ("sigmoid", "tanh", "exp")
             for x in _replicated(loss, loss, n=4, auc=[0.6, 0.65, 0.7, 0.75],
                                  part="surrogates")]
    lands += [_empty_land("hinge", "hinge", r) for r in range(3)]
    res = _results(lands)
    f = {x.claim: x for x in findings(res)}
    assert len([c for c in f if c.startswith("hinge")]) == 2
    # every surrogate finding compares against the hinge landscape: none can be decided
    surr = list(f.values())[7:13]
    assert surr[0].claim == "loss and test AUC correlate negatively for every surrogate"
    for x in surr:
        assert x.agrees is None and x.verdict == "undecided" and x.estimate is None
        assert x.measured.startswith("undecided (no minima converged: hinge replicate 0")
    (t2,) = [t for t in tables(res) if t.name == "table2_surrogates"]
    assert [row[0] for row in t2.rows] == ["sigmoid", "tanh", "exp", "hinge"]


def test_the_smooth_hinge_plays_the_papers_hinge_and_says_so():
    from aucscape.study.spec import loss_label

    lands = [x for loss in ("sigmoid", "tanh")
             for x in _replicated(loss, loss, n=4, auc=[0.7, 0.75, 0.8, 0.85],
                                  part="surrogates")]
    lands += _replicated("smooth_hinge", "smooth_hinge", n=12, auc=np.linspace(0.5, 0.6, 12),
                         part="surrogates")
    f = [x for x in findings(_results(lands)) if x.claim.startswith("hinge")]
    assert [x.agrees for x in f] == [True, True]  # most minima, lowest test AUC
    assert all(loss_label("smooth_hinge") in x.claim for x in f)
    assert loss_label("smooth_hinge") == "hinge (smoothed: log(1 + e^{m − βz}))"
