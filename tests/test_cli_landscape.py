"""End-to-end tests of ``aucscape explore | connect | graph | export | import`` on a tiny
2-2-2 spiral network (cross-entropy), invoked in-process through ``aucscape.cli.main``,
plus one subprocess run that is SIGKILLed mid-run and then resumed."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from _checks import assert_sqlite_intact, count_rows, sigkill_when
from _checks import run_cli as cli
from aucscape.cli import main
from aucscape.data import spiral
from aucscape.landscape.store import Store
from aucscape.nn import MLP
from aucscape.objectives import CrossEntropy

OBJ_FLAGS = ["--dataset", "spiral", "--loss", "ce", "--hidden", "2", "--lam", "1e-5"]
STEPS = 6


def reference_objective() -> CrossEntropy:
    """The objective the CLI flags describe, built directly (not through the CLI)."""
    ds = spiral(noise=0.1, seed=0)
    return CrossEntropy(MLP(2, 2, 2), ds.X_train, ds.y_train, lam=1e-5, dataset=ds)


def p1_reference(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Independent 2-2-2 forward pass, w = [W1 (2×2), b1, W2 (2×2), b2] → softmax p_1."""
    W1, b1, W2, b2 = w[:4].reshape(2, 2), w[4:6], w[6:10].reshape(2, 2), w[10:]
    o = np.tanh(X @ W1.T + b1) @ W2.T + b2
    return 1.0 / (1.0 + np.exp(o[:, 0] - o[:, 1]))


def minima(path: Path) -> list:
    with Store(path, read_only=True) as s:
        return list(s.iter_minima(order="id"))


def n_runs(path: Path) -> int:
    with Store(path, read_only=True) as s:
        return len(list(s.iter_runs()))


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explore") / "ce.db"
    rc = main(["explore", *OBJ_FLAGS, "--steps", str(STEPS), "--seed", "0", "--db", str(path),
               "--quiet"])
    assert rc == 0
    return path


@pytest.fixture(scope="module")
def connected(explored, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("connect") / "ce.db"
    shutil.copy(explored, path)
    assert main(["connect", "--db", str(path), "--attempts", "3", "--quiet"]) == 0
    return path


def test_explore_stores_true_minima(explored):
    obj = reference_objective()
    found = minima(explored)
    assert len(found) >= 2
    with Store(explored, read_only=True) as s:
        (_, record), = list(s.iter_runs())
        assert sum(m.hits for m in found) <= STEPS
    assert record["seed"] == 0
    assert record["basinhopping"]["step"] == 1.0
    assert record["basinhopping"]["temperature"] == 2.0
    assert record["objective"] == json.loads(json.dumps(obj.describe()))
    energies = []
    for m in found:
        e, g = obj.energy_gradient(m.coords)
        assert e == pytest.approx(m.energy, rel=1e-12, abs=1e-14)
        assert np.linalg.norm(g) / np.sqrt(g.size) <= 1e-10
        # Hessian by central differences of the gradient, independent of obj.hessian
        h = 1e-5
        H = np.array([(obj.energy_gradient(m.coords + h * u)[1]
                       - obj.energy_gradient(m.coords - h * u)[1]) / (2 * h)
                      for u in np.eye(g.size)])
        H = 0.5 * (H + H.T)
        eig = np.linalg.eigvalsh(H)
        assert eig.min() > 0, f"minimum {m.id} has eigenvalue {eig.min()}"
        assert m.min_eig == pytest.approx(eig.min(), rel=1e-3, abs=1e-7)
        energies.append(m.energy)
    energies = np.sort(energies)
    assert np.all(np.diff(energies) > 1e-9 * np.abs(energies[1:]))  # distinct minima


def test_resume_adds_to_the_same_database(explored, tmp_path, capsys):
    path = tmp_path / "resume.db"
    shutil.copy(explored, path)
    before = {m.id: m for m in minima(path)}
    hits_before = sum(m.hits for m in before.values())
    rc, out, err = cli(capsys, "explore", "--db", path, "--steps", 3, "--seed", 1)
    assert rc == 0, err
    assert "resumed with" in out and "quenches 3" in out
    assert err == ""  # stderr is not a terminal here: no progress bar
    after = {m.id: m for m in minima(path)}
    for mid, m in before.items():  # old minima untouched except their hit counts
        assert after[mid].energy == m.energy
        np.testing.assert_array_equal(after[mid].coords, m.coords)
    new = len(after) - len(before)
    hits_gain = sum(m.hits for m in after.values()) - hits_before
    assert 1 <= hits_gain <= 3 and new <= hits_gain  # each converged quench: new or hit
    assert n_runs(path) == 2
    # the same objective given explicitly is accepted too
    rc, _, err = cli(capsys, "explore", *OBJ_FLAGS, "--db", path, "--steps", 1, "--quiet")
    assert rc == 0, err
    assert n_runs(path) == 3


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_only_on_a_terminal_without_quiet(quiet, explored, tmp_path,
                                                       monkeypatch):
    path = tmp_path / "bar.db"
    shutil.copy(explored, path)
    fake = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", fake)
    argv = ["explore", "--db", str(path), "--steps", "2"] + (["--quiet"] if quiet else [])
    assert main(argv) == 0
    text = fake.getvalue()
    if quiet:
        assert text == ""
    else:  # tqdm: "explore: 100%|...| 2/2 [...minima=N, best=E]"
        assert "2/2" in text and "minima=" in text and "best=" in text


def test_different_objective_is_refused(explored, tmp_path, capsys):
    path = tmp_path / "other.db"
    shutil.copy(explored, path)
    rc, _out, err = cli(capsys, "explore", "--dataset", "spiral", "--loss", "sigmoid",
                       "--beta", 30, "--hidden", 2, "--db", path, "--steps", 2)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1
    assert "differing keys" in err and "loss" in err and "beta" in err
    assert n_runs(path) == 1 and len(minima(path)) == len(minima(explored))


BAD = [
    (["explore", *OBJ_FLAGS, "--steps", "0", "--db", "{db}"], "--steps"),
    (["explore", *OBJ_FLAGS, "--steps", "-2", "--db", "{db}"], "--steps"),
    (["explore", *OBJ_FLAGS, "--db", "{db}"], "budget"),
    (["explore", "--loss", "sigmoid", "--beta", "-1", "--steps", "1", "--db", "{db}"], "--beta"),
    (["explore", "--lam", "-1e-5", "--steps", "1", "--db", "{db}"], "--lam"),
    (["explore", "--hidden", "0", "--steps", "1", "--db", "{db}"], "--hidden"),
    (["explore", *OBJ_FLAGS, "--steps", "1", "--temperature", "-1", "--db", "{db}"],
     "--temperature"),
    (["explore", *OBJ_FLAGS, "--steps", "1", "--tol", "0", "--db", "{db}"], "--tol"),
    (["explore", *OBJ_FLAGS, "--steps", "1", "--workers", "0", "--db", "{db}"], "--workers"),
    (["explore", "--dataset", "creditcard", "--noise", "0.1", "--steps", "1", "--db", "{db}"],
     "--noise"),
    (["explore", "--dataset", "{dir}/missing.csv", "--steps", "1", "--db", "{db}"],
     "missing.csv"),
    (["explore", *OBJ_FLAGS, "--steps", "abc", "--db", "{db}"], "--steps"),
    (["explore", *OBJ_FLAGS, "--loss", "cubic", "--steps", "1", "--db", "{db}"], "--loss"),
    (["explore", *OBJ_FLAGS, "--steps", "1", "--db", "{dir}"], "directory"),
    (["connect", "--db", "{db}"], "no such database"),
    (["connect", "--db", "{junk}"], "not a valid aucscape database"),
    (["connect", "--db", "{db}", "--local-bands", "0"], "--local-bands"),
    (["graph", "--db", "{db}", "-o", "{dir}/g.png"], "no such database"),
    (["export", "--db", "{db}", "{dir}/out"], "no such database"),
    (["import", "--db", "{db}", "{dir}/nothing"], "no such directory"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD, ids=[f"{a[0]}-{n}" for a, n in BAD])
def test_bad_arguments_exit_2_with_one_line(argv, needle, tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an sqlite file" * 40)
    subst = {"db": str(tmp_path / "new.db"), "dir": str(tmp_path), "junk": str(junk)}
    rc, _out, err = cli(capsys, *[a.format(**subst) for a in argv])
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"aucscape {argv[0]}")
    assert needle in lines[0]
    assert not (tmp_path / "new.db").exists()  # nothing created on refusal


def test_connect_stores_index_one_saddles(connected, capsys):
    obj = reference_objective()
    with Store(connected, read_only=True) as s:
        ids = {m.id for m in s.iter_minima()}
        tss = list(s.iter_ts())
        kinds = [rec.get("command") or rec.get("kind") for _, rec in s.iter_runs()]
    assert kinds == [None, "connect", "connect_tries"]  # tries kept for the next run
    assert tss, "three attempts on a 2-2-2 network found no transition state"
    for t in tss:
        assert {t.min1, t.min2} <= ids
        e, g = obj.energy_gradient(t.coords)
        assert e == pytest.approx(t.energy, rel=1e-12)
        assert np.linalg.norm(g) / np.sqrt(g.size) <= 1e-8
        eig = np.linalg.eigvalsh(obj.hessian(t.coords))
        assert np.sum(eig < 0) == 1
        lo = min(m.energy for m in minima(connected) if m.id in (t.min1, t.min2))
        assert t.energy > lo
    # a second run resumes: nothing left to do once all minima are connected
    rc, out, _ = cli(capsys, "connect", "--db", connected, "--attempts", 2)
    assert rc == 0 and "largest connected set" in out


def test_connect_local_bands_is_used_and_recorded(explored, tmp_path, capsys):
    """--local-bands N reaches TSSettings (recorded in the run) and every stored saddle
    still verifies."""
    path = tmp_path / "local.db"
    shutil.copy(explored, path)
    rc, _, _ = cli(capsys, "connect", "--db", path, "--attempts", 2, "--local-bands", 3,
                   "--quiet")
    assert rc == 0
    obj = reference_objective()
    with Store(path, read_only=True) as s:
        recs = [rec for _, rec in s.iter_runs() if rec.get("command") == "connect"]
        tss = list(s.iter_ts())
    assert recs[-1]["ts_settings"]["local_bands"] == 3
    for t in tss:
        assert np.sum(np.linalg.eigvalsh(obj.hessian(t.coords)) < 0) == 1


def test_graph_colours_and_files(connected, tmp_path, capsys):
    from aucscape.cli.graph import leaf_values
    from aucscape.landscape.graph import network_from_store

    out_png = tmp_path / "g.png"
    rc, _out, err = cli(capsys, "graph", "--db", connected, "-o", out_png, "--labels",
                       "--centre-gmin")
    assert rc == 0, err
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rc, _, err = cli(capsys, "graph", "--db", connected, "-o", out_png)
    assert rc == 2 and "--force" in err
    rc, _, err = cli(capsys, "graph", "--db", connected, "-o", out_png, "--force",
                     "--color", "lpphe")
    assert rc == 0, err
    rc, _, err = cli(capsys, "graph", "--db", connected, "-o", tmp_path / "g.svg",
                     "--color", "none", "--levels", "5", "--delta", "0.001")
    assert rc == 0 and "<svg" in (tmp_path / "g.svg").read_text()
    rc, _, err = cli(capsys, "graph", "--db", connected, "-o", tmp_path / "g.pdf",
                     "--color", "energy", "--lowest", "1")
    assert rc == 0 and (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    rc, _, err = cli(capsys, "graph", "--db", connected, "-o", tmp_path / "g.jpg")
    assert rc == 2 and ".jpg" in err
    # leaf colours: test AUC by an independent forward pass and scikit-learn
    ds = spiral(noise=0.1, seed=0)
    with Store(connected, read_only=True) as s:
        e_min, _, _, ids = network_from_store(s)
        vals = leaf_values(s, ids, "test_auc")
        by_id = {m.id: m for m in s.iter_minima()}
    for mid, v in zip(ids, vals, strict=True):
        ref = roc_auc_score(ds.y_test, p1_reference(by_id[mid].coords, ds.X_test))
        assert v == pytest.approx(ref, abs=1e-12)
    np.testing.assert_array_equal(e_min, np.sort([m.energy for m in by_id.values()]))


def test_analyze_export_import_round_trip(connected, tmp_path, capsys):
    rc, out, err = cli(capsys, "analyze", "--db", connected, "--json", tmp_path / "s.json")
    assert rc == 0, err
    summary = json.loads((tmp_path / "s.json").read_text())["summary"]
    assert summary["n_minima"] == len(minima(connected))
    assert summary["n_transition_states"] >= 1
    d = tmp_path / "ps"
    rc, out, err = cli(capsys, "export", "--db", connected, "--format", "pathsample", d)
    assert rc == 0, err
    assert out.startswith(f"wrote {summary['n_minima']} minima and "
                          f"{summary['n_transition_states']} transition states")
    assert sorted(p.name for p in d.iterdir()) == ["min.data", "points.min", "points.ts",
                                                   "ts.data"]
    rc, _, err = cli(capsys, "export", "--db", connected, d)
    assert rc == 2 and "--force" in err
    # min.data read independently: lowest energy first, LPPHE in column 2
    table = np.loadtxt(d / "min.data", ndmin=2)
    with Store(connected, read_only=True) as s:
        src_min = list(s.iter_minima(order="energy"))
        src_ts = list(s.iter_ts(order="id"))
    np.testing.assert_array_equal(table[:, 0], [m.energy for m in src_min])
    np.testing.assert_array_equal(table[:, 1], [m.lpphe for m in src_min])

    new = tmp_path / "imported.db"
    rc, _, err = cli(capsys, "import", "--db", new, d)  # no run record to create one from
    assert rc == 2 and "--dataset" in err and not new.exists()
    rc, _, err = cli(capsys, "import", "--db", new, d, "--dataset", "spiral", "--loss",
                     "sigmoid", "--hidden", "2")  # other objective: energies do not match
    assert rc == 2 and "E(W)" in err and not new.exists()
    rc, _out, err = cli(capsys, "import", "--db", new, "--format", "pathsample", d, *OBJ_FLAGS)
    assert rc == 0, err
    with Store(new, read_only=True) as s:
        got_min = list(s.iter_minima(order="energy"))
        got_ts = list(s.iter_ts(order="id"))
    assert len(got_min) == len(src_min) and len(got_ts) == len(src_ts)
    row_src = {m.id: k for k, m in enumerate(src_min)}
    row_got = {m.id: k for k, m in enumerate(got_min)}
    for a, b in zip(src_min, got_min, strict=True):
        assert a.energy == b.energy and a.lpphe == b.lpphe
        np.testing.assert_array_equal(a.coords, b.coords)
    for a, b in zip(src_ts, got_ts, strict=True):
        assert a.energy == b.energy
        np.testing.assert_array_equal(a.coords, b.coords)
        assert {row_src[a.min1], row_src[a.min2]} == {row_got[b.min1], row_got[b.min2]}
    # the imported database analyses to the same summary
    rc, _, err = cli(capsys, "analyze", "--db", new, "--json", tmp_path / "t.json")
    assert rc == 0, err
    again = json.loads((tmp_path / "t.json").read_text())["summary"]
    for key in ("n_minima", "n_transition_states", "best_test_auc", "global_minimum_energy"):
        assert again[key] == summary[key]
    # the import filled what min.data lacks, as explore/connect had measured it
    for a, b in zip(src_min, got_min, strict=True):
        assert b.n_nonpositive == 0 and b.min_eig == pytest.approx(a.min_eig, rel=1e-6)
        assert b.rms_grad is not None and b.rms_grad <= 1.001e-10  # 1e-10, to rounding
    # importing the same directory again adds nothing
    rc, out, err = cli(capsys, "import", "--db", new, d)
    assert rc == 0, err
    assert "imported 0 minima and 0 transition states" in out
    with Store(new, read_only=True) as s:
        assert s.n_minima() == len(src_min) and s.n_ts() == len(src_ts)


@pytest.mark.parametrize("command", ["explore", "connect", "graph", "export", "import"])
def test_help_has_examples(command, capsys):
    rc, out, _ = cli(capsys, command, "--help")
    assert rc == 0
    assert "examples:" in out and f"aucscape {command} --db" in out


def test_sigkill_mid_run_then_resume(tmp_path, capsys):
    db = tmp_path / "killed.db"

    def stored() -> int:
        return count_rows(db, "SELECT COUNT(*) FROM minima")

    sigkill_when(["explore", *OBJ_FLAGS, "--steps", "100000", "--db", str(db)],
                 lambda: stored() >= 2, poll=0.2)
    assert stored() >= 2, "the run stored fewer than 2 minima in 120 s"
    assert_sqlite_intact(db)
    before = minima(db)
    rc, _out, err = cli(capsys, "explore", "--db", db, "--steps", 2, "--seed", 3)
    assert rc == 0, err
    after = minima(db)
    assert n_runs(db) == 2
    assert [m.id for m in after[: len(before)]] == [m.id for m in before]
    assert sum(m.hits for m in after) - sum(m.hits for m in before) >= 1


@pytest.fixture
def fast_dask_timeout():
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        yield


def test_unreachable_scheduler_creates_no_database(fast_dask_timeout, tmp_path, capsys):
    db = tmp_path / "new.db"
    rc, _out, err = cli(capsys, "explore", *OBJ_FLAGS, "--steps", 1, "--db", db,
                        "--scheduler", "tcp://127.0.0.1:1")
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "cannot start scheduler" in lines[0], err
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []  # no -wal / -shm / journal either


def test_unreachable_scheduler_leaves_existing_database_unchanged(fast_dask_timeout, explored,
                                                                  tmp_path, capsys):
    path = tmp_path / "copy.db"
    shutil.copy(explored, path)
    before = path.read_bytes()
    for argv in (["explore", "--steps", 1], ["connect", "--attempts", 1]):
        rc, _out, err = cli(capsys, *argv, "--db", path, "--scheduler", "tcp://127.0.0.1:1")
        assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert n_runs(path) == 1 and len(minima(path)) == len(minima(explored))
    assert path.read_bytes() == before


FOREIGN = [
    ["explore", "--steps", "1"],
    ["explore", *OBJ_FLAGS, "--steps", "1"],
    ["connect", "--attempts", "1"],
    ["graph", "-o", "{dir}/g.png"],
    ["export", "{dir}/out"],
    ["analyze"],
]


@pytest.mark.parametrize("kind", ["junk", "foreign_sqlite", "truncated"])
@pytest.mark.parametrize("argv", FOREIGN, ids=[a[0] + str(len(a)) for a in FOREIGN])
def test_corrupt_or_foreign_database_is_refused_and_untouched(kind, argv, explored, tmp_path,
                                                             capsys):
    db = tmp_path / "bad.db"
    if kind == "junk":
        db.write_bytes(b"this is not an sqlite file" * 40)
    elif kind == "foreign_sqlite":
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE people (name TEXT)")
        con.commit()
        con.close()
    else:
        db.write_bytes(explored.read_bytes()[:3000])
    before = db.read_bytes()
    rc, _out, err = cli(capsys, argv[0], "--db", db,
                        *[a.format(dir=tmp_path) for a in argv[1:]])
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"aucscape {argv[0]}: error:"), err
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.db"]


MORE_BAD = [
    (["analyze", "--db", "{db}", "--top", "abc"], "--top"),
    (["analyze", "--db", "{db}", "--beta", "-1"], "--beta"),
    (["demo", "--beta", "abc"], "--beta"),
    (["demo", "--beta", "-1"], "--beta"),
    (["nosuchcommand"], "nosuchcommand"),
    (["graph", "--db", "{db}", "-o", "{dir}/g.png", "--levels", "0"], "--levels"),
]


@pytest.mark.parametrize(("argv", "needle"), MORE_BAD, ids=[f"{a[0]}-{n}" for a, n in MORE_BAD])
def test_more_bad_arguments_exit_2_with_one_line(argv, needle, tmp_path, capsys):
    subst = {"db": str(tmp_path / "new.db"), "dir": str(tmp_path)}
    rc, _out, err = cli(capsys, *[a.format(**subst) for a in argv])
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("aucscape")
    assert needle in lines[0]
    assert not (tmp_path / "new.db").exists()


def test_analyze_never_overwrites_an_existing_file_silently(connected, tmp_path, capsys):
    for flag in ("--csv", "--json"):
        out = tmp_path / f"existing.{flag[2:]}"
        out.write_text("keep me")
        rc, _, err = cli(capsys, "analyze", "--db", connected, flag, out, "--quiet")
        assert rc == 2 and "--force" in err and len(err.strip().splitlines()) == 1
        assert out.read_text() == "keep me"
        rc, _, err = cli(capsys, "analyze", "--db", connected, flag, out, "--quiet", "--force")
        assert rc == 0, err
        assert out.read_text() != "keep me"
