"""Issue 24 item 8: accepted values that crashed now get a range check or a clear one-line
error naming the value, and a damaged file is reported as damaged (exit 2, no traceback,
nothing written)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from _checks import one_line_error as refused
from _checks import run_cli
from aucscape.cli import main
from aucscape.pairwise import pairwise_loss


def cli(capsys, *argv) -> tuple[int, str]:
    rc, _, err = run_cli(capsys, *argv)
    return rc, err


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "small.db"
    assert main(["explore", "--loss", "ce", "--hidden", "2", "--steps", "3", "--db",
                 str(path), "--quiet"]) == 0
    return path


@pytest.mark.parametrize(("argv", "needle"), [
    (["--step", "1e308"], "--step must be <= 1e+06, got 1e+308"),
    (["--start-range", "1e308"], "--start-range must be <= 1e+06"),
    (["--loss", "sigmoid", "--beta", "1e160"], "got 1e+160"),
    (["--scheduler", "tcp://localhost"], "scheduler 'tcp://localhost'"),
])
def test_explore_values_that_crashed_are_refused(tmp_path, capsys, argv, needle):
    rc, err = cli(capsys, "explore", "--db", tmp_path / "x.db", "--steps", "2", "--quiet",
                  *argv)
    refused(rc, err, needle)
    assert list(tmp_path.iterdir()) == []  # no database left behind


def test_demo_and_api_refuse_an_overflowing_beta(capsys):
    rc, err = cli(capsys, "demo", "--beta", "1e308")
    refused(rc, err)
    for name in ("squared_hinge", "quad"):
        with pytest.raises(ValueError, match="beta must be <= 1e\\+100"):
            pairwise_loss([1, 0, 1], [0.2, 0.1, 0.4], name, beta=1e200)


def test_graph_levels_have_a_ceiling(small_db, tmp_path, capsys):
    rc, err = cli(capsys, "graph", "--db", small_db, "-o", tmp_path / "g.png", "--levels",
                  "100000000", "--quiet")
    refused(rc, err, "--levels must be <= 10000")
    assert list(tmp_path.iterdir()) == []


def test_binary_files_as_csv_or_toml_are_named(tmp_path, capsys):
    junk = bytes(range(256)) * 8
    (tmp_path / "bin.csv").write_bytes(junk)
    (tmp_path / "bin.toml").write_bytes(junk)
    rc, err = cli(capsys, "explore", "--db", tmp_path / "x.db", "--dataset",
                  tmp_path / "bin.csv", "--steps", "2", "--quiet")
    refused(rc, err, "bin.csv: not a text CSV file")
    rc, err = cli(capsys, "reproduce", "--config", tmp_path / "bin.toml", "--out",
                  tmp_path / "out", "--quiet")
    refused(rc, err, "bin.toml: not a text TOML file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin.csv", "bin.toml"]


@pytest.mark.parametrize("text", ["{not json", '{"steps": "many"}', "[1, 2]",
                                  '{"discovery": [[1]]}', b"\xff\xfe"])
def test_a_damaged_work_record_is_reported_as_damaged(tmp_path, text):
    from aucscape.study.engine import WorkState

    path = tmp_path / "sigmoid.db.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match="is damaged"):
        WorkState.load(path)
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"steps": 4, "explore_seconds": 1.5, "blocks": 2,
                              "discovery": [[1, 1], [3, 2]]}))
    assert WorkState.load(ok).blocks == 2


def _edit(path: Path, sql: str) -> None:
    c = sqlite3.connect(path)
    c.execute(sql)
    c.commit()
    c.close()


@pytest.mark.parametrize(("sql", "needle"), [
    ("ALTER TABLE minima DROP COLUMN lpphe", "lacks column(s) lpphe"),
    ("UPDATE meta SET value = '{not json' WHERE key = 'objective'",
     "meta.objective is not valid JSON"),
    ("UPDATE minima SET coords = substr(coords, 1, 8) WHERE id = 1",
     "minima row 1 has a 8-byte coordinate blob"),
])
@pytest.mark.parametrize("command", [["analyze", "--top", "0"], ["explore", "--steps", "2"],
                                     ["export", "ps"], ["connect", "--attempts", "1"]])
def test_hand_edited_databases_are_reported_as_damaged(small_db, tmp_path, capsys, sql,
                                                       needle, command):
    db = tmp_path / "h.db"
    shutil.copy(small_db, db)
    _edit(db, sql)
    before = db.read_bytes()
    rest = [tmp_path / "ps" if a == "ps" else a for a in command[1:]]
    rc, err = cli(capsys, command[0], "--db", db, *rest, "--quiet")
    refused(rc, err, "damaged", needle)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.db"]
