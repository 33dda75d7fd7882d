"""Atomic output files: a failure while writing leaves the old file and no temporary."""

import pytest

from aucscape._files import atomic_path, write_text_atomic


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
