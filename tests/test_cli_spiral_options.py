"""``aucscape explore`` spiral flags: --generator --turns --points-per-arm --mlpnorm.

They build the study presets' spiral (checked against the preset table decoded by the
data registry, and against MLPNORM's defining property); without them the objective is
exactly today's (the cmu spiral, raw coordinates); a database made with them resumes,
with or without the flags, and a differing flag is refused naming the key, nothing
written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aucscape.cli import build_parser
from aucscape.cli._common import objective_from_args
from aucscape.data import load_dataset, spiral
from aucscape.landscape.store import Store
from aucscape.objectives import make_objective
from aucscape.study.config import load_preset
from test_cli_landscape import cli  # the in-process CLI runner

SMALL = ["--dataset", "spiral", "--loss", "ce", "--hidden", "2"]
SAMPLED = ["--generator", "sampled", "--turns", "2", "--points-per-arm", "20",
           "--noise", "0.05", "--mlpnorm"]


def objective(*argv: str):
    """The objective ``aucscape explore ARGV`` would build (no database touched)."""
    args = build_parser().parse_args(["explore", "--db", "unused.db", "--steps", "1", *argv])
    return objective_from_args(args)


def n_runs(path: Path) -> int:
    with Store(path, read_only=True) as s:
        return len(list(s.iter_runs()))


def stored_dataset(path: Path) -> dict:
    with Store(path, read_only=True) as s:
        (_, first), *_ = list(s.iter_runs())
    return first["objective"]["dataset"]


def test_without_the_flags_the_objective_is_the_cmu_spiral_as_before():
    # Reference: the loader called as the CLI called it before these flags existed.
    ref = make_objective(spiral(seed=0), "ce", hidden=2, lam=1e-5)
    assert objective(*SMALL).describe() == ref.describe()
    # Each flag at the loader's default describes the very same objective, so a database
    # made without the flags is accepted with them too.
    explicit = objective(*SMALL, "--generator", "cmu", "--turns", "3", "--points-per-arm",
                         "97", "--no-mlpnorm", "--noise", "0.1")
    assert explicit.describe() == ref.describe()


def test_the_flags_build_the_study_presets_spiral():
    # The quick preset's [datasets.spiral] with its second replicate's seed, built by the
    # decoder the study itself uses.
    table = load_preset("quick").dataset_spec("spiral", 1)
    ref = load_dataset(table)
    got = objective("--generator", table["generator"], "--turns", str(table["turns"]),
                    "--points-per-arm", str(table["points_per_arm"]),
                    "--noise", str(table["noise"]), "--mlpnorm" if table["mlpnorm"] else
                    "--no-mlpnorm", "--data-seed", str(table["seed"]), "--loss", "ce",
                    "--hidden", "3")
    assert got.describe()["dataset"] == ref.description
    np.testing.assert_allclose(got.X, ref.X_train, rtol=1e-12)  # the objective's data
    np.testing.assert_array_equal(got.y, ref.y_train)
    n = 2 * table["points_per_arm"]
    assert ref.n_train + ref.n_test == n
    # MLPNORM: every training column has mean magnitude 1; raw sampled arms lie in the
    # disc of radius 1 + noise.
    np.testing.assert_allclose(np.abs(got.X).mean(axis=0), 1.0, rtol=1e-9)
    raw = objective("--generator", "sampled", "--turns", "2", "--points-per-arm", str(n // 2),
                    "--noise", "0.05", "--no-mlpnorm")
    assert np.hypot(*raw.X.T).max() <= 1.0 + 0.05 * np.sqrt(2)


def test_a_database_made_with_the_flags_resumes_and_refuses_a_differing_flag(tmp_path,
                                                                             capsys):
    db = tmp_path / "sampled.db"
    rc, _, err = cli(capsys, "explore", *SMALL, *SAMPLED, "--steps", 2, "--db", db, "--quiet")
    assert rc == 0, err
    recorded = stored_dataset(db)
    assert recorded["generator"] == "sampled" and recorded["turns"] == 2.0
    assert recorded["points_per_arm"] == 20 and recorded["mlpnorm"] is True
    rc, out, err = cli(capsys, "explore", "--steps", 1, "--db", db)  # its own objective
    assert rc == 0 and "resumed with" in out, err
    rc, _, err = cli(capsys, "explore", *SMALL, *SAMPLED, "--steps", 1, "--db", db, "--quiet")
    assert rc == 0, err
    assert n_runs(db) == 3
    for flag, value, key in [("--turns", "2.5", "turns"), ("--mlpnorm", None, "mlpnorm"),
                             ("--points-per-arm", "21", "points_per_arm"),
                             ("--generator", "cmu", "generator")]:
        argv = [a for a in SAMPLED]
        if value is None:
            argv[argv.index(flag)] = "--no-mlpnorm"
        else:
            argv[argv.index(flag) + 1] = value
        if key == "generator":  # the cmu spiral has 3 turns
            argv[argv.index("--turns") + 1] = "3"
        rc, _, err = cli(capsys, "explore", *SMALL, *argv, "--steps", 1, "--db", db)
        assert rc == 2 and len(err.strip().splitlines()) == 1, err
        assert "differing keys" in err and f"dataset.{key}" in err, err
        assert n_runs(db) == 3


BAD = [
    (["--turns", "0", "--generator", "sampled"], "--turns"),
    (["--turns", "nan", "--generator", "sampled"], "--turns"),
    (["--points-per-arm", "1"], "--points-per-arm"),
    (["--generator", "spiral3"], "--generator"),
    (["--turns", "2"], "turns"),  # the cmu spiral has exactly 3 turns
    (["--dataset", "creditcard", "--mlpnorm"], "--mlpnorm"),
    (["--dataset", "creditcard", "--generator", "sampled"], "--generator"),
    (["--dataset", "creditcard", "--points-per-arm", "20"], "--points-per-arm"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_spiral_flags_exit_2_naming_the_flag_and_write_nothing(argv, needle, tmp_path,
                                                                   capsys):
    db = tmp_path / "new.db"
    rc, _, err = cli(capsys, "explore", "--loss", "ce", "--hidden", "2", *argv,
                     "--steps", 1, "--db", db)
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert needle in err, err
    assert not db.exists()


def test_help_explains_each_spiral_flag_and_its_default(capsys):
    rc, out, _ = cli(capsys, "explore", "--help")
    assert rc == 0
    for flag, default in [("--generator", "default cmu"), ("--turns", "default 3"),
                          ("--points-per-arm", "default 97"), ("--mlpnorm", "default off"),
                          ("--noise", "default 0.1")]:
        text = option_help(out, flag)
        assert "spiral only" in text and default in text, (flag, text)
    assert "--no-mlpnorm" in option_help(out, "--mlpnorm")


def option_help(out: str, flag: str) -> str:
    """The help entry of ``flag`` in argparse's --help output, on one line."""
    lines = out.splitlines()  # an entry starts "  --flag", its continuations are indented
    start = next(i for i, line in enumerate(lines) if line.startswith((f"  {flag} ",
                                                                       f"  {flag},")))
    end = next((i for i in range(start + 1, len(lines))
                if not lines[i].startswith("   ")), len(lines))
    return " ".join(" ".join(lines[start:end]).split())

