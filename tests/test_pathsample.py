"""PATHSAMPLE min.data / ts.data / points.* writing and reading."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.landscape.pathsample import (
    PathsampleData,
    export_store,
    import_into_store,
    read_pathsample,
    write_pathsample,
)
from aucscape.landscape.store import Store


def make_data(rng, n=5, m=4, p=7):
    return PathsampleData(
        min_energies=rng.normal(size=n), min_lpphe=rng.normal(size=n) * 10,
        ts_energies=rng.normal(size=m) + 3, ts_lpphe=rng.normal(size=m),
        ts_pairs=rng.integers(0, n, size=(m, 2)),
        min_coords=rng.normal(size=(n, p)), ts_coords=rng.normal(size=(m, p)),
    )


def test_round_trip_is_exact(tmp_path):
    data = make_data(np.random.default_rng(0))
    write_pathsample(tmp_path, data)
    back = read_pathsample(tmp_path)
    for name in ("min_energies", "min_lpphe", "ts_energies", "ts_lpphe", "ts_pairs",
                 "min_coords", "ts_coords"):
        assert np.array_equal(getattr(back, name), getattr(data, name)), name


def test_file_layout_is_pathsample_s(tmp_path):
    data = make_data(np.random.default_rng(1), n=3, m=2, p=4)
    data.ts_pairs = np.array([[0, 2], [1, 1]])
    write_pathsample(tmp_path, data)
    min_lines = (tmp_path / "min.data").read_text().splitlines()
    assert len(min_lines) == 3
    f = min_lines[1].split()
    assert len(f) == 6 and float(f[0]) == data.min_energies[1]
    assert float(f[1]) == data.min_lpphe[1] and f[2] == "1"
    assert [float(v) for v in f[3:]] == [0, 0, 0]
    ts_lines = (tmp_path / "ts.data").read_text().splitlines()
    f = ts_lines[0].split()
    assert len(f) == 8 and f[2] == "1" and (f[3], f[4]) == ("1", "3")  # 1-based
    assert ts_lines[1].split()[3:5] == ["2", "2"]
    # points.*: contiguous float64 records, one per stationary point, no record markers.
    raw = (tmp_path / "points.min").read_bytes()
    assert len(raw) == 3 * 4 * 8
    assert np.array_equal(np.frombuffer(raw, dtype="<f8").reshape(3, 4), data.min_coords)
    assert np.array_equal(np.fromfile(tmp_path / "points.ts", "<f8")[4:8], data.ts_coords[1])


def test_reads_fortran_d_exponents(tmp_path):
    (tmp_path / "min.data").write_text(" -1.5D+00  2.0D-01  1  0.0 0.0 0.0\n 2.5 3.0 1 0 0 0\n")
    (tmp_path / "ts.data").write_text("4.0D0 1.0 1 2 1 0 0 0\n")
    d = read_pathsample(tmp_path)
    assert d.min_energies.tolist() == [-1.5, 2.5] and d.min_lpphe[0] == 0.2
    assert d.ts_pairs.tolist() == [[1, 0]] and d.min_coords is None


def test_bad_inputs(tmp_path):
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError, match="outside"):
        PathsampleData([0.0], [0.0], [1.0], [0.0], [[0, 1]])
    with pytest.raises(ValueError, match="min_lpphe"):
        PathsampleData([0.0, 1.0], [0.0], [], [], np.zeros((0, 2)))
    data = make_data(rng, n=3, m=1, p=2)
    write_pathsample(tmp_path, data)
    with open(tmp_path / "points.min", "ab") as f:
        f.write(b"\0" * 8)
    with pytest.raises(ValueError, match="whole number"):
        read_pathsample(tmp_path)
    with pytest.raises(ValueError, match=r"no min\.data"):
        read_pathsample(tmp_path / "missing")


def test_store_export_import_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    src = Store(tmp_path / "a.db", {"kind": "test"})
    ids = [src.add_minimum(e, rng.normal(size=3), lpphe=lp)
           for e, lp in [(2.0, 1.0), (-1.0, 2.0), (0.5, 3.0)]]
    src.add_ts(4.0, rng.normal(size=3), ids[0], ids[1], lpphe=0.5, neg_eig=-1.0)
    src.add_ts(3.0, rng.normal(size=3), ids[2], ids[2], lpphe=0.25, neg_eig=-2.0)
    data, order = export_store(src, tmp_path / "ps")
    assert order == [ids[1], ids[2], ids[0]]  # lowest energy first
    assert data.ts_pairs.tolist() == [[2, 0], [1, 1]]
    dst = Store(tmp_path / "b.db", {"kind": "test"})
    new_min, new_ts = import_into_store(tmp_path / "ps", dst)
    back = {m.id: m for m in dst.iter_minima()}
    for old_id, new_id in zip(order, new_min, strict=True):
        old = src.get_minimum(old_id)
        assert back[new_id].energy == old.energy and back[new_id].lpphe == old.lpphe
        assert np.array_equal(back[new_id].coords, old.coords)
    for k, t in enumerate(src.iter_ts()):
        u = dst.get_ts(new_ts[k])
        assert u.energy == t.energy and np.array_equal(u.coords, t.coords)
        assert (order[new_min.index(u.min1)], order[new_min.index(u.min2)]) == (t.min1, t.min2)


def test_export_needs_lpphe(tmp_path):
    st = Store(tmp_path / "c.db")
    st.add_minimum(1.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="fill_lpphe"):
        export_store(st, tmp_path / "ps")
    data, _ = export_store(st, tmp_path / "ps", fill_lpphe=0.0)
    assert data.min_lpphe.tolist() == [0.0]


def _double_well_dir(tmp_path, a=1.0, k=0.5, shift=1e-6):
    """min.data/ts.data/points.* of DoubleWell2D: two minima (slightly off the exact points,
    so the gradient is small but not zero) and the saddle between them."""
    from aucscape.testsurfaces import DoubleWell2D

    obj = DoubleWell2D(a=a, k=k)
    mins = obj.minima + shift
    ts = obj.saddle[None, :] + shift
    data = PathsampleData(
        min_energies=[obj.energy(x) for x in mins], min_lpphe=[1.0, 2.0],
        ts_energies=[obj.energy(ts[0])], ts_lpphe=[0.5], ts_pairs=[[0, 1]],
        min_coords=mins, ts_coords=ts)
    write_pathsample(tmp_path / "ps", data)
    return obj, data, tmp_path / "ps"


def test_import_twice_does_not_double_the_network(tmp_path):
    obj, data, d = _double_well_dir(tmp_path)
    st = Store(tmp_path / "w.db", obj.describe())
    first = import_into_store(d, st)
    again = import_into_store(d, st)
    assert st.n_minima() == 2 and st.n_ts() == 1
    assert again == first  # every line maps to the point already stored
    assert {m.hits for m in st.iter_minima()} == {1}  # importing is not a quench
    # a directory holding one known and one new minimum adds only the new one
    extra = PathsampleData(min_energies=[data.min_energies[0], 5.0], min_lpphe=[1.0, 0.0],
                           ts_energies=[], ts_lpphe=[], ts_pairs=np.zeros((0, 2)),
                           min_coords=[data.min_coords[0], [3.0, 3.0]],
                           ts_coords=np.zeros((0, 2)))
    write_pathsample(tmp_path / "ps2", extra)
    ids, _ = import_into_store(tmp_path / "ps2", st)
    assert ids[0] == first[0][0] and ids[1] not in first[0] and st.n_minima() == 3


def test_import_keeps_distinct_points_of_equal_energy(tmp_path):
    # two minima with the same energy but far apart in coordinates are two minima
    data = PathsampleData(min_energies=[1.0, 1.0], min_lpphe=[0.0, 0.0], ts_energies=[],
                          ts_lpphe=[], ts_pairs=np.zeros((0, 2)),
                          min_coords=[[0.0, 1.0], [5.0, 6.0]], ts_coords=np.zeros((0, 2)))
    write_pathsample(tmp_path / "ps", data)
    st = Store(":memory:")
    ids, _ = import_into_store(tmp_path / "ps", st)
    assert len(set(ids)) == 2 and st.n_minima() == 2


def test_import_fills_gradient_and_curvature_from_the_objective(tmp_path):
    a, k, shift = 1.0, 0.5, 1e-6
    obj, data, d = _double_well_dir(tmp_path, a=a, k=k, shift=shift)
    st = Store(":memory:")
    min_ids, ts_ids = import_into_store(d, st, objective=obj)

    def rms_grad(x, y):  # dE/dx = (x^2 - 1)(4x + a), dE/dy = 2 k y
        return np.sqrt((((x * x - 1) * (4 * x + a)) ** 2 + (2 * k * y) ** 2) / 2)

    for mid, (x, y) in zip(min_ids, data.min_coords, strict=True):
        m = st.get_minimum(mid)
        # d2E/dx2 = 12x^2 - 4 + 2ax, d2E/dy2 = 2k: at x = +-1 both positive
        assert m.min_eig == pytest.approx(min(12 * x * x - 4 + 2 * a * x, 2 * k), rel=1e-12)
        assert m.n_nonpositive == 0
        assert m.rms_grad == pytest.approx(rms_grad(x, y), rel=1e-9)
        assert m.rms_grad > 0
        assert m.lpphe == data.min_lpphe[min_ids.index(mid)]  # the file's value is kept
    t = st.get_ts(ts_ids[0])
    x, y = data.ts_coords[0]
    assert t.neg_eig == pytest.approx(12 * x * x - 4 + 2 * a * x, rel=1e-9)  # a^2/4 - 4 < 0
    assert t.neg_eig < 0 and t.rms_grad == pytest.approx(rms_grad(x, y), rel=1e-9)
    # without an objective nothing is invented
    bare = Store(":memory:")
    ids, _ = import_into_store(d, bare)
    assert bare.get_minimum(ids[0]).rms_grad is None


def test_import_is_all_or_nothing(tmp_path, monkeypatch):
    obj, _data, d = _double_well_dir(tmp_path)
    st = Store(tmp_path / "a.db", obj.describe())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(st, "add_ts", broken)
    with pytest.raises(OSError, match="disk full"):
        import_into_store(d, st)
    assert st.n_minima() == 0 and st.n_params is None
