"""``aucscape explore --start-range R``: recorded in the run record, kept on resume,
refused when not > 0 (nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aucscape.landscape.store import Store
from test_cli_landscape import OBJ_FLAGS, cli  # the in-process CLI runner, tiny 2-2-2 net


def recorded(path: Path) -> list:
    with Store(path, read_only=True) as s:
        return [rec["basinhopping"]["start_range"] for _, rec in s.iter_runs()]


def test_start_range_is_recorded_and_kept_on_resume(tmp_path, capsys):
    db = tmp_path / "sr.db"
    assert cli(capsys, "explore", *OBJ_FLAGS, "--steps", 2, "--start-range", 0.5,
               "--db", db, "--quiet")[0] == 0
    assert cli(capsys, "explore", "--steps", 1, "--db", db, "--quiet")[0] == 0
    assert cli(capsys, "explore", "--steps", 1, "--start-range", 2, "--db", db,
               "--quiet")[0] == 0
    assert recorded(db) == [0.5, 0.5, 2.0]
    plain = tmp_path / "plain.db"
    assert cli(capsys, "explore", *OBJ_FLAGS, "--steps", 1, "--db", plain, "--quiet")[0] == 0
    assert recorded(plain) == [None]  # unset: the objective's own start, U(-1, 1)


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_bad_start_range_exits_2_and_writes_nothing(value, tmp_path, capsys):
    db = tmp_path / "new.db"
    rc, _out, err = cli(capsys, "explore", *OBJ_FLAGS, "--steps", 1, "--start-range", value,
                        "--db", db)
    assert rc == 2 and "--start-range" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_help_describes_start_range(capsys):
    rc, out, _ = cli(capsys, "explore", "--help")
    assert rc == 0 and "--start-range" in out and "[-R, R]" in out
