"""``load_dataset`` as the one decoder of data-set specs: names, paths, description dicts."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.cli import main
from aucscape.data import credit_card, dataset_options, load_dataset, spiral


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k))
               for k in ("X_train", "y_train", "X_test", "y_test"))


@pytest.mark.parametrize("name", ["spiral", "Spiral", " twospirals "])
def test_names_and_aliases_decode_to_the_loader(name):
    assert _same(load_dataset(name, points_per_arm=20, seed=3), spiral(points_per_arm=20, seed=3))


def test_config_table_is_a_description():
    """A study config's [datasets.NAME] table {"kind": ..., **options} rebuilds the data set."""
    table = {"kind": "creditcard", "n": 300, "positive_fraction": 0.2, "seed": 1}
    assert _same(load_dataset(table), credit_card(n=300, positive_fraction=0.2, seed=1))
    assert _same(load_dataset({"kind": "spiral"}, noise=0.0), spiral(noise=0.0))


@pytest.mark.parametrize(("spec", "kw", "key"), [
    ("creditcard", {"noise": 0.1}, "'noise'"),
    ({"kind": "creditcard", "positive_fractoin": 0.1}, {}, "'positive_fractoin'"),
    ({"kind": "spiral"}, {"n": 5}, "'n'"),
])
def test_unknown_options_are_refused_by_name(spec, kw, key):
    with pytest.raises(ValueError, match=f"has no option {key}; it takes: "):
        load_dataset(spec, **kw)


def test_options_and_paths(tmp_path):
    assert "noise" in dataset_options("spiral") and "noise" not in dataset_options("creditcard")
    assert "label_column" in dataset_options(str(tmp_path / "own.csv"))
    assert "path" not in dataset_options(str(tmp_path / "own.csv"))
    with pytest.raises(ValueError, match="is a directory"):
        load_dataset(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"own\.csv"):
        load_dataset(tmp_path / "own.csv")


def test_cli_noise_on_creditcard_names_the_flag(tmp_path, capsys):
    db = tmp_path / "cc.db"
    rc = main(["explore", "--dataset", "creditcard", "--noise", "0.1", "--steps", "1",
               "--db", str(db)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--noise" in err[0]
    assert list(tmp_path.iterdir()) == []
