"""Atomic output files: a failure while writing leaves the old file and no temporary."""

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aucscape._files import atomic_path, replace_together, write_text_atomic


def test_write_text_atomic_replaces_the_whole_file(tmp_path):
    target = tmp_path / "a.json"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new content")
    assert target.read_text() == "new content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "graph.png"
    target.write_bytes(b"old image")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.suffix == ".png" and tmp.parent == tmp_path  # same folder, same format
        tmp.write_bytes(b"half an ima")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old image"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png"]


def test_no_target_is_created_when_the_first_write_fails(tmp_path):
    target = tmp_path / "min.data"
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_text("1.0 2.0 1 0 0 0\n")
        raise OSError("no space left on device")
    assert not target.exists() and list(tmp_path.iterdir()) == []


# -- issue 24 items 2 and 3: every output through the one writer; never over an input ------
SRC = str(Path(__file__).resolve().parents[1] / "src")

#: Runs in a child process under a file-size limit (``ulimit -f``): a write past it fails
#: with EFBIG (Python ignores SIGXFSZ), as a full disk fails with ENOSPC.
_LIMITED = """
import resource, sys
sys.path.insert(0, {src!r})
from aucscape.analysis import write_csv, write_json
from aucscape._files import replace_together
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
try:
    {call}
except OSError as exc:
    print("OSError", exc.errno)
"""


def _run_limited(call: str, limit: int) -> str:
    code = _LIMITED.format(src=SRC, limit=limit, call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32",
                    reason="needs POSIX resource limits")
@pytest.mark.parametrize("writer", ["write_csv", "write_json"])
def test_analysis_outputs_past_a_file_size_limit_keep_the_old_file(tmp_path, writer):
    from aucscape.analysis import write_csv, write_json

    target = tmp_path / "kx.out"
    rows = [{"id": i, "energy": i / 7} for i in range(3000)]
    if writer == "write_csv":
        write_csv(target, rows)
    else:
        write_json(target, {"rows": rows})
    good = target.read_bytes()
    assert len(good) > 40_000
    bigger = "[dict(id=i, energy=i / 3, extra='x' * 20) for i in range(3000)]"
    call = (f"write_csv({str(target)!r}, {bigger})" if writer == "write_csv"
            else f"write_json({str(target)!r}, {{'rows': {bigger}}})")
    out = _run_limited(call, 36_864)
    assert out.split()[:2] == ["OSError", str(errno.EFBIG)]
    assert target.read_bytes() == good  # not a truncated 36,864-byte file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kx.out"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX resource limits")
def test_replace_together_changes_no_file_when_one_cannot_be_written(tmp_path):
    md, html = tmp_path / "report.md", tmp_path / "report.html"
    md.write_text("old md")
    html.write_text("old html")
    call = f"replace_together({{{str(md)!r}: 'new md', {str(html)!r}: 'h' * 200_000}})"
    out = _run_limited(call, 150 * 1024)
    assert out.split()[:2] == ["OSError", str(errno.EFBIG)]
    assert (md.read_text(), html.read_text()) == ("old md", "old html")  # no mixed report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]
    replace_together({md: "new md", html: "new html"})
    assert (md.read_text(), html.read_text()) == ("new md", "new html")


def test_a_report_that_fails_midway_leaves_the_old_report_whole(tmp_path, monkeypatch):
    """report.md, report.html and tables/*.csv are replaced all together or not at all."""
    from aucscape.study import report
    from test_study_connected import SPLIT, _land, _results

    monkeypatch.setattr(report, "make_figures", lambda res, out: [])
    res = _results([_land("CE", *SPLIT)])
    report.write_report(res, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert {"report.md", "report.html", "landscapes.csv"} <= {p.name for p in before}
    monkeypatch.setattr(report, "_md", lambda *a: "a new report.md")
    monkeypatch.setattr(report, "_html", lambda *a: "<p>\ud800</p>")  # fails to encode
    with pytest.raises(UnicodeEncodeError):
        report.write_report(res, tmp_path, force=True)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing changed, no temporary left


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    from aucscape.cli import main

    path = tmp_path_factory.mktemp("inputs") / "self.db"
    assert main(["explore", "--loss", "ce", "--hidden", "2", "--steps", "2", "--db",
                 str(path), "--quiet"]) == 0
    return path


@pytest.mark.parametrize("how", ["same", "link"])
@pytest.mark.parametrize("flag", ["--csv", "--json"])
def test_analyze_refuses_to_write_over_its_database(small_db, tmp_path, capsys, how, flag):
    from aucscape.cli import main

    db = tmp_path / "self.db"
    shutil.copy(small_db, db)
    before = db.read_bytes()
    out = db
    if how == "link":
        out = tmp_path / "out.csv"
        out.symlink_to(db)
    rc = main(["analyze", flag, str(out), "--db", str(db), "--force", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "is the file given as --db" in err and len(err.splitlines()) == 1
    assert db.read_bytes() == before


def test_export_and_graph_refuse_to_write_over_their_database(small_db, tmp_path, capsys):
    from aucscape.cli import main

    d = tmp_path / "ps"
    d.mkdir()
    db = d / "min.data"
    shutil.copy(small_db, db)
    before = db.read_bytes()
    assert main(["export", "--db", str(db), str(d), "--force", "--quiet"]) == 2
    assert "is the file given as --db" in capsys.readouterr().err
    png = tmp_path / "g.png"
    shutil.copy(small_db, png)
    assert main(["graph", "--db", str(png), "--output", str(png), "--force", "--quiet"]) == 2
    assert "is the file given as --db" in capsys.readouterr().err
    assert db.read_bytes() == before and png.read_bytes() == before
