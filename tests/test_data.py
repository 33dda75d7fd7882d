"""Tests for aucscape.data: spiral geometry, credit-card file, CSV/array loaders, rebuilds."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.data import (
    CREDITCARD_FEATURES,
    Dataset,
    credit_card,
    from_arrays,
    from_csv,
    load_dataset,
    sampled_spiral_points,
    shipped_creditcard_path,
    spiral,
    spiral_points,
    stratified_split,
)

SHIPPED_SHA256 = "e873a2ee914ae4bae2334f20ab98f63f6fa7c4ed0f95a6fa0c6380502c388c64"


# ----------------------------------------------------------------------------- helpers
def _rows(X: np.ndarray) -> np.ndarray:
    """Rows sorted lexicographically, to compare point sets irrespective of order."""
    X = np.asarray(X)
    return X[np.lexsort(X.T[::-1])]


def _all(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([ds.X_train, ds.X_test]), np.concatenate([ds.y_train, ds.y_test])


def _same(a: Dataset, b: Dataset) -> bool:
    return (
        a.name == b.name
        and a.feature_names == b.feature_names
        and all(
            np.array_equal(getattr(a, k), getattr(b, k))
            for k in ("X_train", "y_train", "X_test", "y_test")
        )
    )


@pytest.fixture(scope="module")
def shipped_rows() -> tuple[list[str], np.ndarray]:
    """Independent parse of the shipped file with the csv module (reference)."""
    with gzip.open(shipped_creditcard_path(), "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader])
    return header, data


def _write_csv(path: Path, header: list[str], rows: np.ndarray, quote: bool = False) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC if quote else csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows:
            w.writerow([float(v) for v in r])
    return path


# ----------------------------------------------------------------------------- spiral
def test_spiral_points_match_lang_witbrock_formula():
    X, y = spiral_points()
    assert X.shape == (194, 2) and y.shape == (194,)
    assert np.sum(y == 1) == 97 and np.sum(y == 0) == 97
    np.testing.assert_allclose(X[0], [0.0, 6.5], atol=1e-15)
    assert y[0] == 1
    for i in (0, 1, 7, 16, 50, 95, 96):
        theta = i * math.pi / 16
        r = 6.5 * (104 - i) / 104
        expected1 = (r * math.sin(theta), r * math.cos(theta))
        np.testing.assert_allclose(X[i], expected1, rtol=0, atol=1e-13)
        assert y[i] == 1
        np.testing.assert_allclose(X[97 + i], [-expected1[0], -expected1[1]], atol=1e-13)
        assert y[97 + i] == 0
    # innermost point: r = 0.5 at theta = 6 pi
    np.testing.assert_allclose(X[96], [0.0, 0.5], atol=1e-13)


def test_spiral_noise_zero_is_exactly_the_194_points_split_80_20():
    ds = spiral(noise=0.0)
    X, y = _all(ds)
    Xr, yr = spiral_points(97)
    for c in (0, 1):
        np.testing.assert_array_equal(_rows(X[y == c]), _rows(Xr[yr == c]))
    assert (ds.n_train, ds.n_test) == (156, 38)
    assert ds.y_train.sum() == 78 and ds.y_test.sum() == 19
    assert ds.feature_names == ("x", "y") and ds.n_features == 2
    assert ds.description["standardize"] is False


def test_spiral_denser_sampling_lies_on_the_same_curves():
    X, _ = spiral_points(193)  # t = i / 2: every second point is an original one
    assert X.shape == (386, 2)
    X97, _ = spiral_points(97)
    np.testing.assert_allclose(X[:193:2], X97[:97], atol=1e-12)
    # radius law r = 6.5 (104 - 16 theta / pi) / 104 along the whole arm
    theta = np.arange(193) * 0.5 * math.pi / 16
    r = np.hypot(X[:193, 0], X[:193, 1])
    np.testing.assert_allclose(r, 6.5 * (104 - 16 * theta / math.pi) / 104, atol=1e-12)
    np.testing.assert_allclose(X[193:], -X[:193])


def test_spiral_noise_is_uniform_within_bounds():
    clean, noisy = spiral(noise=0.0, seed=3), spiral(noise=0.3, seed=3)
    # noise and split use separate streams: same assignment, so rows correspond
    np.testing.assert_array_equal(clean.y_train, noisy.y_train)
    d = np.concatenate(
        [(noisy.X_train - clean.X_train).ravel(), (noisy.X_test - clean.X_test).ravel()]
    )
    assert np.all(np.abs(d) <= 0.3)
    assert np.abs(d).max() > 0.28  # 388 uniform draws reach near the bound
    assert abs(d.mean()) < 0.05
    assert 0.3**2 / 3 * 0.8 < d.var() < 0.3**2 / 3 * 1.2  # Var U(-a, a) = a^2 / 3


def test_spiral_reproducible_from_seed_and_seeds_differ():
    a, b, c = spiral(seed=5), spiral(seed=5), spiral(seed=6)
    assert _same(a, b)
    assert not np.array_equal(a.X_train, c.X_train)
    # the split itself changes with the seed, not only the noise
    assert not np.array_equal(spiral(noise=0, seed=5).X_test, spiral(noise=0, seed=6).X_test)


def test_spiral_standardize_flag_uses_training_statistics():
    ds = spiral(standardize=True)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1.0, atol=1e-12)
    raw = spiral()
    mu, sd = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    np.testing.assert_allclose(ds.X_test, (raw.X_test - mu) / sd, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"noise": -0.1},
        {"points_per_arm": 1},
        {"points_per_arm": 2.5},
        {"seed": -1},
        {"test_fraction": 0.0},
        {"test_fraction": 1.0},
        {"test_fraction": -0.2},
        {"test_fraction": 1.5},
        {"points_per_arm": 4},
    ],
)
def test_spiral_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        spiral(**kwargs)


# ----------------------------------------------------------------------------- sampled, MLPNORM
def test_sampled_spiral_points_lie_on_two_opposite_archimedean_arms():
    X, y = sampled_spiral_points(400, 2.0, np.random.default_rng(3))
    pos, neg = X[y == 1], X[y == 0]
    np.testing.assert_allclose(neg, -pos)  # class 0 is class 1 turned by π
    r = np.hypot(pos[:, 0], pos[:, 1])
    theta = np.arctan2(pos[:, 1], pos[:, 0])
    # on the arm θ = 2π·turns·r (mod 2π), independently of how the points were drawn
    wrapped = np.angle(np.exp(1j * (theta - 2 * np.pi * 2.0 * r)))
    np.testing.assert_allclose(wrapped, 0.0, atol=1e-9)
    assert r.max() <= 1.0 and r.min() >= 0.0
    # t = √u: the fraction of points within radius ρ is ρ² (uniform over the swept area)
    assert np.mean(r < np.sqrt(0.5)) == pytest.approx(0.5, abs=0.08)


def test_sampled_spiral_noise_and_description_round_trip():
    clean = spiral(generator="sampled", turns=1.5, points_per_arm=50, noise=0.0, seed=4)
    noisy = spiral(generator="sampled", turns=1.5, points_per_arm=50, noise=0.05, seed=4)
    # same points and split, only the noise differs (separate streams), within ±noise
    d = noisy.X_train - clean.X_train
    assert 0 < np.abs(d).max() <= 0.05
    assert np.array_equal(noisy.y_train, clean.y_train)
    again = load_dataset(json.loads(json.dumps(noisy.description)))
    assert np.array_equal(again.X_test, noisy.X_test)
    assert noisy.description["generator"] == "sampled" and noisy.description["turns"] == 1.5


def test_mlpnorm_divides_each_column_by_its_training_mean_magnitude():
    raw = spiral(generator="sampled", turns=2.0, points_per_arm=60, seed=2)
    scaled = spiral(generator="sampled", turns=2.0, points_per_arm=60, seed=2, mlpnorm=True)
    m = np.array([np.mean([abs(v) for v in raw.X_train[:, k]]) for k in range(2)])
    np.testing.assert_allclose(scaled.X_train, raw.X_train / m, rtol=1e-12)
    np.testing.assert_allclose(scaled.X_test, raw.X_test / m, rtol=1e-12)  # training m only
    np.testing.assert_allclose(np.abs(scaled.X_train).mean(axis=0), 1.0, rtol=1e-12)
    assert "MLPNORM" in scaled.summary()


def test_cmu_spiral_is_unchanged_by_the_new_options():
    # the default generator still draws exactly the old arrays (same noise and split)
    X, _ = spiral_points(97)
    ds = spiral(noise=0.0, seed=5)
    assert np.array_equal(_rows(np.concatenate([ds.X_train, ds.X_test])), _rows(X))
    assert ds.description["generator"] == "cmu" and ds.description["mlpnorm"] is False


@pytest.mark.parametrize("kwargs", [{"generator": "arch"}, {"turns": 2.0},
                                    {"generator": "sampled", "turns": 0.0},
                                    {"mlpnorm": True, "standardize": True}])
def test_spiral_rejects_bad_generator_options(kwargs):
    with pytest.raises(ValueError, match=r"generator|turns|scaling"):
        spiral(**kwargs)


def test_store_refuses_to_reopen_with_another_spiral_setup(tmp_path):
    from aucscape.landscape.store import Store, StoreError
    from aucscape.objectives import make_objective

    a = make_objective(spiral(generator="sampled", points_per_arm=30, mlpnorm=True), "ce",
                       hidden=3)
    b = make_objective(spiral(generator="sampled", points_per_arm=30), "ce", hidden=3)
    with Store(tmp_path / "x.db", a.describe()):
        pass
    with pytest.raises((StoreError, ValueError), match="mlpnorm"):
        Store(tmp_path / "x.db", b.describe())


def test_small_class_in_a_split_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="at least 2 points of each class"):
        spiral(points_per_arm=6, test_fraction=0.2)  # 1 test point per class
    assert spiral(points_per_arm=10, test_fraction=0.2).y_test.sum() == 2


# ----------------------------------------------------------------------------- credit card
def test_shipped_file_is_found_and_intact():
    p = Path(shipped_creditcard_path())
    assert p.name == "creditcard_10pct.csv.gz" and p.is_file()
    assert hashlib.sha256(p.read_bytes()).hexdigest() == SHIPPED_SHA256
    assert (p.parent / "CREDITCARD_README.md").is_file()


def test_credit_card_class_counts_and_stratified_split(shipped_rows):
    header, data = shipped_rows
    assert header == [*CREDITCARD_FEATURES, "Class"]
    assert data.shape == (4920, 31) and data[:, -1].sum() == 492
    ds = credit_card()
    assert ds.n_features == 30 and ds.feature_names == CREDITCARD_FEATURES
    assert ds.n_train + ds.n_test == 4920
    assert ds.y_train.sum() + ds.y_test.sum() == 492
    assert (ds.n_test, ds.y_test.sum()) == (984, 98)  # round(0.2 * 4428) + round(0.2 * 492)
    assert abs(ds.y_train.mean() - 0.1) < 0.002 and abs(ds.y_test.mean() - 0.1) < 0.002


def test_credit_card_values_equal_the_file(shipped_rows):
    _, data = shipped_rows
    ds = credit_card(standardize=False)
    X, y = _all(ds)
    np.testing.assert_array_equal(_rows(np.column_stack([X, y])), _rows(data))


def test_credit_card_standardised_with_training_statistics_only():
    raw, ds = credit_card(standardize=False), credit_card()
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1.0, atol=1e-10)
    mu, sd = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    np.testing.assert_allclose(ds.X_test, (raw.X_test - mu) / sd, rtol=1e-12, atol=1e-12)
    # test statistics are not forced to 0 / 1 (no leakage from the test split)
    assert np.abs(ds.X_test.mean(axis=0)).max() > 1e-3
    assert np.abs(ds.X_test.std(axis=0) - 1).max() > 1e-3


def test_credit_card_feature_selection(shipped_rows):
    _, data = shipped_rows
    ds = credit_card(features=["Amount", "V1"], standardize=False)
    assert ds.feature_names == ("Amount", "V1")
    X, _ = _all(ds)
    np.testing.assert_array_equal(_rows(X), _rows(data[:, [29, 1]]))
    with pytest.raises(ValueError, match="unknown feature columns"):
        credit_card(features=["V1", "V99"])
    with pytest.raises(ValueError, match="more than once"):
        credit_card(features=["V1", "V1"])


def test_credit_card_subsample_is_reproducible_and_exact(shipped_rows):
    _, data = shipped_rows
    ds = credit_card(n=1000, positive_fraction=0.2, seed=4, standardize=False)
    X, y = _all(ds)
    assert len(y) == 1000 and y.sum() == 200
    assert ds.y_test.sum() == 40 and ds.n_test == 200
    # every drawn row is a row of the file, with its own label
    full = {tuple(r) for r in data}
    assert all(tuple(r) in full for r in np.column_stack([X, y]))
    assert _same(ds, credit_card(n=1000, positive_fraction=0.2, seed=4, standardize=False))
    other = credit_card(n=1000, positive_fraction=0.2, seed=5, standardize=False)
    assert not np.array_equal(_rows(X), _rows(_all(other)[0]))
    # n alone keeps the file's 10 %; positive_fraction alone takes as many rows as possible
    assert _all(credit_card(n=500))[1].sum() == 50
    y_pf = _all(credit_card(positive_fraction=0.5))[1]
    assert (len(y_pf), y_pf.sum()) == (984, 492)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 6000}, "cannot draw"),
        ({"n": 2000, "positive_fraction": 0.5}, "cannot draw"),
        ({"positive_fraction": 1.0}, "positive_fraction"),
        ({"n": 0}, "n must be"),
        ({"n": 20, "positive_fraction": 0.1}, "at least 2 points"),
    ],
)
def test_credit_card_subsample_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        credit_card(**kwargs)


def test_credit_card_reads_kaggle_format_quoted_and_gzipped(tmp_path, shipped_rows):
    header, data = shipped_rows
    pick = np.concatenate([np.flatnonzero(data[:, -1] == 1)[:30], np.arange(300)])
    sub = data[np.unique(pick)]
    # Kaggle: quoted header and quoted Class values ("0"), numbers unquoted
    path = tmp_path / "creditcard.csv.gz"
    with gzip.open(path, "wt", newline="") as f:
        f.write(",".join(f'"{h}"' for h in header) + "\n")
        for r in sub:
            f.write(",".join(repr(float(v)) for v in r[:-1]) + f',"{int(r[-1])}"\n')
    ds = credit_card(path=path, standardize=False)
    X, y = _all(ds)
    np.testing.assert_array_equal(_rows(np.column_stack([X, y])), _rows(sub))
    assert ds.description["path"] == str(path.resolve())
    assert _same(load_dataset(json.loads(json.dumps(ds.description))), ds)


def test_credit_card_wrong_columns_and_missing_file(tmp_path):
    path = _write_csv(tmp_path / "other.csv", ["a", "b", "Class"], np.eye(3)[[0, 1, 2] * 5])
    with pytest.raises(ValueError, match="missing columns"):
        credit_card(path=path)
    with pytest.raises(FileNotFoundError, match=r"nothere\.csv"):
        credit_card(path=tmp_path / "nothere.csv")


# ----------------------------------------------------------------------------- CSV / arrays
def _toy(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (np.arange(n) % 4 == 0).astype(int)
    return X, y


def test_from_csv_defaults_label_last_and_values_match(tmp_path):
    X, y = _toy()
    path = _write_csv(tmp_path / "toy.csv", ["a", "b", "c", "label"], np.column_stack([X, y]))
    ds = from_csv(path, standardize=False)
    assert ds.name == "toy" and ds.feature_names == ("a", "b", "c")
    Xa, ya = _all(ds)
    np.testing.assert_array_equal(_rows(np.column_stack([Xa, ya])), _rows(np.column_stack([X, y])))
    # explicit label column in the middle, feature subset
    path2 = _write_csv(
        tmp_path / "mid.csv", ["a", "label", "c"], np.column_stack([X[:, 0], y, X[:, 2]])
    )
    ds2 = from_csv(path2, label_column="label", features=["c"], standardize=False)
    assert ds2.feature_names == ("c",)
    np.testing.assert_array_equal(np.sort(_all(ds2)[0][:, 0]), np.sort(X[:, 2]))


def test_from_csv_quoted_header_and_positive_label(tmp_path):
    X, y = _toy()
    labels = np.where(y == 1, 2.0, 7.0)  # not 0/1: needs positive_label
    path = _write_csv(
        tmp_path / "q.csv", ["f1", "f2", "f3", "cls"], np.column_stack([X, labels]), quote=True
    )
    assert path.read_text().startswith('"f1","f2"')
    with pytest.raises(ValueError, match="0/1"):
        from_csv(path, label_column="cls")
    ds = from_csv(path, label_column="cls", positive_label=2)
    assert ds.feature_names == ("f1", "f2", "f3")
    assert ds.y_train.sum() + ds.y_test.sum() == y.sum()


def test_from_csv_errors(tmp_path):
    X, y = _toy()
    with pytest.raises(FileNotFoundError):
        from_csv(tmp_path / "missing.csv")
    path = _write_csv(tmp_path / "t.csv", ["a", "b", "c", "y"], np.column_stack([X, y]))
    with pytest.raises(ValueError, match="label column 'target' not found"):
        from_csv(path, label_column="target")
    Xn = X.copy()
    Xn[5, 1] = np.nan
    path_nan = _write_csv(tmp_path / "nan.csv", ["a", "b", "c", "y"], np.column_stack([Xn, y]))
    with pytest.raises(ValueError, match="column 'b' contains NaN or inf"):
        from_csv(path_nan)
    Xi = X.copy()
    Xi[2, 2] = np.inf
    path_inf = _write_csv(tmp_path / "inf.csv", ["a", "b", "c", "y"], np.column_stack([Xi, y]))
    with pytest.raises(ValueError, match="column 'c' contains NaN or inf"):
        from_csv(path_inf)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    with pytest.raises(ValueError, match="could not parse"):
        from_csv(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty file"):
        from_csv(empty)
    three = tmp_path / "three.csv"
    three.write_text("a,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    with pytest.raises(ValueError, match="0/1"):
        from_csv(three)


def test_from_arrays_split_and_explicit_test_set():
    X, y = _toy(60)
    ds = from_arrays(X, y, standardize=False, feature_names=["p", "q", "r"])
    Xa, ya = _all(ds)
    np.testing.assert_array_equal(_rows(np.column_stack([Xa, ya])), _rows(np.column_stack([X, y])))
    assert ds.feature_names == ("p", "q", "r")
    given_split = from_arrays(X[:40], y[:40], X_test=X[40:], y_test=y[40:])
    mu, sd = X[:40].mean(axis=0), X[:40].std(axis=0)
    np.testing.assert_allclose(given_split.X_test, (X[40:] - mu) / sd, atol=1e-12)
    np.testing.assert_array_equal(given_split.y_test, y[40:])


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.ones((10, 2)), np.arange(10) % 3, "0/1"),
        (np.full((10, 2), np.inf), np.arange(10) % 2, "NaN or inf"),
        (np.ones((10, 2)), np.ones(9), "rows but y has"),
        (np.ones((10, 2)), np.r_[1, np.zeros(9)], "class 1 has 1 points"),
        (np.ones((2, 3, 4)), np.ones(2), "2-D"),
    ],
)
def test_from_arrays_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        from_arrays(X, y)


def test_from_arrays_explicit_test_set_needs_both_classes():
    X, y = _toy(40)
    with pytest.raises(ValueError, match="test set has 1 points of class 1"):
        from_arrays(X[:30], y[:30], X_test=X[30:33], y_test=np.array([1, 0, 0]))
    with pytest.raises(ValueError, match="both"):
        from_arrays(X, y, X_test=X)


# ----------------------------------------------------------------------------- load_dataset
@pytest.mark.parametrize(
    "make",
    [
        lambda: spiral(noise=0.2, points_per_arm=50, seed=9),
        lambda: spiral(standardize=True, test_fraction=0.3),
        lambda: credit_card(),
        lambda: credit_card(n=800, positive_fraction=0.25, seed=2, features=["V3", "Time"]),
        lambda: from_arrays(*_toy(50), seed=3, name="mine"),
    ],
)
def test_load_dataset_rebuilds_identical_arrays_from_json_description(make):
    ds = make()
    stored = json.loads(json.dumps(ds.description))
    assert _same(load_dataset(stored), ds)


def test_load_dataset_csv_path_and_description(tmp_path):
    X, y = _toy()
    path = _write_csv(tmp_path / "own.csv.gz", ["a", "b", "c", "label"], np.column_stack([X, y]))
    ds = load_dataset(str(path), seed=7)
    assert ds.name == "own" and ds.description["seed"] == 7
    assert _same(load_dataset(json.loads(json.dumps(ds.description))), ds)
    # a changed file is detected instead of silently resuming on different data
    _write_csv(path, ["a", "b", "c", "label"], np.column_stack([X + 1, y]))
    with pytest.raises(ValueError, match="changed"):
        load_dataset(ds.description)


def test_load_dataset_names_and_errors(tmp_path):
    assert _same(load_dataset("spiral", noise=0.0), spiral(noise=0.0))
    assert _same(load_dataset("credit_card", n=400), credit_card(n=400))
    assert load_dataset(spiral().description, seed=1).description["seed"] == 1
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        load_dataset("moons")
    with pytest.raises(FileNotFoundError):
        load_dataset(str(tmp_path / "absent.csv"))
    with pytest.raises(ValueError, match="unknown description kind"):
        load_dataset({"kind": "mnist"})
    with pytest.raises(ValueError, match="no 'kind'"):
        load_dataset({"seed": 0})
    big = from_arrays(*_toy(40), embed=False)
    assert "data" not in big.description
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        load_dataset(big.description)


# ----------------------------------------------------------------------------- Dataset value
def test_dataset_is_frozen_read_only_and_json_described():
    ds = spiral()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        ds.X_train[0, 0] = 1.0
    json.dumps(ds.description)
    assert ds.y_train.dtype == np.int64 and ds.X_train.dtype == np.float64
    assert (
        ds.summary() == "spiral: 156 train (78 positive), 38 test (19 positive), 2 features (raw)"
    )
    with pytest.raises(ValueError, match="JSON"):
        Dataset("x", ds.X_train, ds.y_train, ds.X_test, ds.y_test, ("x", "y"), {"f": object()})
    with pytest.raises(ValueError, match="feature_names"):
        Dataset("x", ds.X_train, ds.y_train, ds.X_test, ds.y_test, ("x",), {})


@settings(max_examples=40, deadline=None)
@given(
    n_pos=st.integers(10, 60),
    n_neg=st.integers(10, 60),
    frac=st.floats(0.15, 0.8),  # ≥ 2 per class in each split for every n_c ≥ 10
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_partitions_each_class(n_pos, n_neg, frac, seed):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)])
    tr, te = stratified_split(y, frac, np.random.default_rng(seed))
    assert np.array_equal(np.sort(np.concatenate([tr, te])), np.arange(y.size))
    assert y[te].sum() == math.floor(frac * n_pos + 0.5)
    assert (1 - y[te]).sum() == math.floor(frac * n_neg + 0.5)


def test_credit_card_labels_must_be_0_or_1(tmp_path, shipped_rows):
    header, data = shipped_rows
    bad = data[:40].copy()
    bad[3, -1] = 2.0
    path = _write_csv(tmp_path / "bad.csv", header, bad)
    with pytest.raises(ValueError, match=r"bad\.csv: column 'Class' must hold only 0/1 labels; "
                                         r"found \[2\.0\]"):
        credit_card(path=path)
