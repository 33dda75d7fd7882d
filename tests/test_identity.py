"""Identity of minima (energy window + symmetry-aligned distance) and Hessian properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.landscape.identity import (
    DEFAULT_EDIFFTOL,
    DEFAULT_SLOPPY_EDIFF,
    MinimumMatcher,
    energy_tolerance,
    nearest_known,
    same_minimum,
    sloppy_window,
)
from aucscape.landscape.minimize import lbfgs
from aucscape.landscape.properties import is_minimum
from aucscape.landscape.store import Store
from aucscape.spectrum import eigen_summary, hessian_summary
from aucscape.testsurfaces import MuellerBrown, SeparableWells, SymmetricWells


def test_energy_tolerance_is_relative_above_one():
    assert energy_tolerance(0.5) == DEFAULT_EDIFFTOL
    assert energy_tolerance(-300.0) == pytest.approx(300 * DEFAULT_EDIFFTOL)
    assert same_minimum(-300.0, [0], -300.0 + 2e-7, [0])
    assert not same_minimum(-300.0, [0], -300.0 + 4e-7, [0])
    assert same_minimum(1.0, [0], 1.0 + 5e-10, [0]) == same_minimum(1.0 + 5e-10, [0], 1.0, [0])


def test_symmetry_copies_merge_only_with_canonical():
    sw = SymmetricWells(3)
    r1, r2 = sw.well_radii()
    x = np.array([r1, -r2, r1])
    copy = np.array([-r2, -r1, r1])  # permuted and sign-flipped: same energy, far away
    e = sw.energy(x)
    assert sw.energy(copy) == pytest.approx(e, abs=1e-14)
    assert same_minimum(e, x, e, copy)  # energy only
    assert not same_minimum(e, x, e, copy, geomdifftol=1e-6)  # raw distance ~ 4
    assert same_minimum(e, x, e, copy, geomdifftol=1e-6, objective=sw)


@pytest.mark.parametrize(
    ("geomdifftol", "use_canonical", "expected"),
    [(None, False, "classes"), (1e-6, True, "classes"), (1e-6, False, "all")],
)
def test_matcher_counts_symmetric_wells(geomdifftol, use_canonical, expected):
    """4^n minima, n + 1 classes up to symmetry; brute-force enumeration is the reference."""
    sw = SymmetricWells(2)
    r1, r2 = sw.well_radii()
    store = Store(":memory:")
    matcher = MinimumMatcher(store, geomdifftol=geomdifftol,
                             objective=sw if use_canonical else None)
    radii = [r1, -r1, r2, -r2]
    for a, b in itertools.product(radii, radii):
        x = lbfgs(sw, np.array([a, b]) + 1e-3).x  # quench so energies carry real noise
        matcher.add_or_hit(sw.energy(x), x)
    want = sw.n_params + 1 if expected == "classes" else 4**sw.n_params
    assert store.n_minima() == want
    assert sum(m.hits for m in store.iter_minima()) == 16
    if expected == "classes":
        np.testing.assert_allclose(sorted(m.energy for m in store.iter_minima()),
                                   sw.class_energies(), atol=1e-12)


def test_default_separates_what_gmin_1e_4_lumps():
    """Two distinct minima 2e-6 apart in energy: kept apart by 1e-9, merged by 1e-4."""
    sw = SeparableWells([0.3, 0.3 + 1e-6])
    a = lbfgs(sw, [-1.0, 1.0])
    b = lbfgs(sw, [1.0, -1.0])
    assert 1e-7 < abs(a.energy - b.energy) < 1e-5
    for edifftol, want in [(DEFAULT_EDIFFTOL, 2), (1e-4, 1)]:
        store = Store(":memory:")
        m = MinimumMatcher(store, edifftol=edifftol)
        m.add_or_hit(a.energy, a.x)
        m.add_or_hit(b.energy, b.x)
        assert store.n_minima() == want


def test_repeated_quenches_never_split_a_minimum():
    sw = SeparableWells([0.3, -0.2, 0.45, 0.1])
    pts, _ = sw.minima()
    rng = np.random.default_rng(5)
    store = Store(":memory:")
    matcher = MinimumMatcher(store, geomdifftol=1e-6)
    truth = set()
    for _ in range(80):
        res = lbfgs(sw, sw.random_point(rng))
        truth.add(int(np.argmin(np.linalg.norm(pts - res.x, axis=1))))
        matcher.add_or_hit(res.energy, res.x)
    assert store.n_minima() == len(truth)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=40), st.floats(-5, 5),
       st.integers(0, 2**31 - 1))
def test_find_agrees_with_linear_scan(energies, query, seed):
    rng = np.random.default_rng(seed)
    store = Store(":memory:")
    coords = rng.normal(size=(len(energies), 2)) * 1e-7
    # plant near-duplicates of the query on both sides of the tolerance
    energies = [*energies, query + 0.5e-9, query - 2e-9 * max(1, abs(query))]
    coords = np.vstack([coords, rng.normal(size=(2, 2)) * 1e-7])
    for e, x in zip(energies, coords, strict=True):
        store.add_minimum(e, x)
    x = np.zeros(2)
    for geom in (None, 2e-7):
        matcher = MinimumMatcher(store, geomdifftol=geom)
        got = matcher.find(query, x)
        candidates = [
            m for m in store.iter_minima("id")
            if same_minimum(query, x, m.energy, m.coords, geomdifftol=geom)
            and abs(m.energy - query) < energy_tolerance(query)
        ]
        def key(m, geom=geom):
            if geom is None:
                return (abs(m.energy - query), m.id)
            return (np.linalg.norm(m.coords - x), m.id)

        want = min(candidates, key=key) if candidates else None
        assert (got and got.id) == (want and want.id)


def test_matcher_validation():
    with pytest.raises(ValueError, match="edifftol"):
        MinimumMatcher(Store(":memory:"), edifftol=0)
    with pytest.raises(ValueError, match="geomdifftol"):
        MinimumMatcher(Store(":memory:"), geomdifftol=-1)


# -- Hessian properties ------------------------------------------------------------------

def newton(obj, x, steps=30):
    for _ in range(steps):
        x = x - np.linalg.solve(obj.hessian(x), obj.energy_gradient(x)[1])
    return x


def test_eigen_summary_known_values():
    s = eigen_summary([3.0, -1.0, 0.0, np.e])
    np.testing.assert_array_equal(s.eigenvalues, [-1.0, 0.0, np.e, 3.0])
    assert (s.min_eig, s.n_nonpositive) == (-1.0, 2)
    assert s.lpphe == pytest.approx(1.0 + np.log(3.0))
    assert not s.is_minimum
    assert eigen_summary([2e-5, 1.0]).is_minimum
    with pytest.raises(ValueError, match="NaN"):
        eigen_summary([np.nan])
    with pytest.raises(ValueError, match="empty"):
        eigen_summary([])


def test_mueller_brown_minima_and_saddles():
    mb = MuellerBrown()
    for m in mb.MINIMA:
        x = newton(mb, m)
        s = hessian_summary(mb, x)
        assert s.n_nonpositive == 0 and s.min_eig > 0
        assert s.lpphe == pytest.approx(np.log(np.linalg.det(mb.hessian(x))), rel=1e-10)
        assert is_minimum(mb, x)
    for sd in mb.SADDLES:
        x = newton(mb, sd)
        s = hessian_summary(mb, x)
        assert s.n_nonpositive == 1 and s.min_eig < 0
        assert s.lpphe == pytest.approx(np.log(s.eigenvalues[1]))
        assert not is_minimum(mb, x)
    assert not is_minimum(mb, mb.MINIMA[0] + 1e-3)  # positive Hessian, gradient too big


def test_landscape_imports_nothing_about_networks_or_auc():
    """The layer rule: landscape/ sees only the Objective seam (architecture.md §2)."""
    import ast
    from pathlib import Path

    import aucscape.landscape as pkg

    # "" = `from .. import __version__`
    allowed = {"protocols", "spectrum", "_validation", "_files", "parallel", ""}
    root = Path(pkg.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        depth = len(path.relative_to(root).parts)  # 1: landscape/x.py, 2: landscape/ts/x.py
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("aucscape")]
                offenders += [f"{path.name}: {n}" for n in names
                              if n.split(".")[1:2] not in (["landscape"], [])]
            elif isinstance(node, ast.ImportFrom) and node.level > depth:
                top = (node.module or "").split(".")[0]
                if top not in allowed:
                    offenders.append(f"{path.name}: {node.module}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aucscape."):
                if node.module.split(".")[1] not in ("landscape", *allowed):
                    offenders.append(f"{path.name}: {node.module}")
    assert offenders == []
    assert len(list(root.rglob("*.py"))) > 10  # the walk saw the package


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-5, 5), max_size=30), st.floats(-6, 6), st.floats(0, 3),
       st.floats(0, 3))
def test_nearest_known_matches_brute_force(values, e, below, above):
    known = np.sort(np.asarray(values, dtype=float))
    lo, hi = e - below, e + above
    got = nearest_known(known, e, lo, hi)
    inside = [i for i, v in enumerate(known) if lo <= v <= hi]
    if not inside:
        assert got is None
        return
    best = min(abs(known[i] - e) for i in inside)
    assert got in inside and abs(known[got] - e) == best


def test_sloppy_window_and_find_sloppy():
    lo, hi = sloppy_window(-2.0)
    assert lo == -2.0 - DEFAULT_SLOPPY_EDIFF and hi == pytest.approx(-2.0 + 2 * DEFAULT_EDIFFTOL)
    store = Store(":memory:")
    m = MinimumMatcher(store)
    a = store.add_minimum(0.5, [0.0])
    b = store.add_minimum(0.5 - 0.8 * DEFAULT_SLOPPY_EDIFF, [1.0])
    store.add_minimum(0.5 + 1e-7, [2.0])  # above the window: a tightening only descends
    assert m.find_sloppy(0.5 + 1e-10).id == a
    assert m.find_sloppy(0.5 - 0.7 * DEFAULT_SLOPPY_EDIFF).id == b
    assert m.find_sloppy(0.5 - 3 * DEFAULT_SLOPPY_EDIFF) is None
    assert m.find_sloppy(0.5 + 2e-6) is None
    np.testing.assert_array_equal(store.minimum_energies(),
                                  sorted(x.energy for x in store.iter_minima()))
