"""``aucscape grow`` end to end on a tiny 2-2-2 spiral network (cross-entropy): the summary,
options checked before the file is touched, and a run SIGKILLed mid-round that leaves a
valid file whose every stationary point re-verifies, then resumes."""

from __future__ import annotations

import numpy as np
import pytest

from _checks import assert_sqlite_intact, count_rows, sigkill_when
from _checks import run_cli as cli
from aucscape.cli._common import stored_objective
from aucscape.landscape.grow import load_attempts
from aucscape.landscape.store import Store
from aucscape.landscape.ts.verify import check_saddle
from aucscape.spectrum import hessian_summary

OBJ_FLAGS = ["--dataset", "spiral", "--loss", "ce", "--hidden", "2", "--lam", "1e-5",
             "--points-per-arm", "30", "--generator", "sampled", "--turns", "2"]


@pytest.fixture
def seeded(tmp_path, capsys):
    db = tmp_path / "g.db"
    rc, _, err = cli(capsys, "explore", *OBJ_FLAGS, "--steps", 3, "--db", db, "--quiet")
    assert rc == 0, err
    return db


def test_grow_prints_counts_and_why_it_stopped(seeded, capsys):
    rc, out, err = cli(capsys, "grow", "--db", seeded, "--attempts", 12)
    assert rc == 0, err
    assert "searches 12 in" in out and "the --attempts budget (12) ran out" in out
    assert "in the global minimum's network" in out
    with Store(seeded, read_only=True) as st:
        assert len(load_attempts(st)) == 12
    rc, out, err = cli(capsys, "analyze", "--db", seeded, "--top", 0)
    assert rc == 0, err
    assert "PATHSAMPLE identity (EDIFFTOL 1e-4, GEOMDIFFTOL 100)" in out
    assert "grow: 12 single-ended searches" in out


@pytest.mark.parametrize("flags", [["--window", 0], ["--attempts", 0], ["--max-step", -1],
                                   ["--displacement", 0], ["--max-attempts", 0]])
def test_bad_options_leave_the_file_as_it_was(seeded, capsys, flags):
    before = seeded.read_bytes()
    rc, _, err = cli(capsys, "grow", "--db", seeded, *flags)
    assert rc == 2 and str(flags[0]) in err and "Traceback" not in err
    assert seeded.read_bytes() == before


def test_grow_needs_an_existing_database(tmp_path, capsys):
    rc, _, err = cli(capsys, "grow", "--db", tmp_path / "none.db", "--attempts", 1)
    assert rc == 2 and "no such database" in err
    assert not (tmp_path / "none.db").exists()


def _n_attempts(db):
    return count_rows(db, "SELECT COUNT(*) FROM runs WHERE record LIKE '%grow_attempts%'")


def test_sigkill_mid_growth_leaves_a_valid_file_that_resumes(seeded, capsys):
    sigkill_when(["grow", "--db", str(seeded), "--batch", "2", "--quiet"],
                 lambda: _n_attempts(seeded) >= 3)
    assert_sqlite_intact(seeded)
    with Store(seeded) as st:
        obj = stored_objective(st)
        before = len(load_attempts(st))
        assert before >= 6  # three rounds of two
        for m in st.iter_minima():
            assert hessian_summary(obj, m.coords, 0.0).is_minimum
            _, g = obj.energy_gradient(m.coords)
            assert np.linalg.norm(g) / np.sqrt(obj.n_params) <= 1e-10
        for t in st.iter_ts():
            assert check_saddle(obj, t.coords).is_ts
            assert t.energy > max(st.get_minimum(t.min1).energy, st.get_minimum(t.min2).energy)
    rc, _, err = cli(capsys, "grow", "--db", seeded, "--attempts", 4, "--batch", 2)
    assert rc == 0, err
    with Store(seeded, read_only=True) as st:
        log = load_attempts(st)
    assert len(log) == before + 4
    keys = [(int(r[0]), int(r[1])) for r in log]
    assert len(set(keys)) == len(keys)  # the resumed run repeats no search
