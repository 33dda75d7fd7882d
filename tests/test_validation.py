"""Numeric argument checks (``aucscape._validation``) and the surrogate parameters of the
landscape objective (β and margin for every surrogate, old descriptions rebuilt)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from aucscape._validation import check_int, check_nonnegative, check_positive
from aucscape.surrogates import SURROGATES


@pytest.mark.parametrize("value", [3, 3.0, np.int64(3), np.float32(3.0)])
def test_check_int_accepts_whole_numbers(value):
    got = check_int(value, "hidden", minimum=1, maximum=10)
    assert got == 3 and type(got) is int


@pytest.mark.parametrize("value", [True, False, "3", 2.5, float("nan"), float("inf"), None,
                                   [3], 0, 11])
def test_check_int_refuses_with_the_name(value):
    with pytest.raises(ValueError, match=r"hidden must be an integer in \[1, 10\]"):
        check_int(value, "hidden", minimum=1, maximum=10)


@pytest.mark.parametrize("check", [check_positive, check_nonnegative])
@pytest.mark.parametrize("value", [True, np.bool_(True), "40", b"4", np.array([1.0]), None])
def test_number_checks_refuse_booleans_strings_and_arrays(check, value):
    with pytest.raises(ValueError, match="beta must be a finite number"):
        check(value, "beta")


def test_check_int_names_one_sided_bounds():
    with pytest.raises(ValueError, match="block_size must be an integer >= 1, got 0"):
        check_int(0, "block_size", minimum=1)
    with pytest.raises(ValueError, match="k must be an integer <= 2, got 3"):
        check_int(3, "k", maximum=2)
    with pytest.raises(ValueError, match="k must be an integer, got 'a'"):
        check_int("a", "k")


def test_number_checks_accept_numpy_scalars():
    assert check_positive(np.float32(2.0), "beta") == 2.0
    assert check_nonnegative(np.array(0.0), "margin") == 0.0


def _objective(loss, **kw):
    from aucscape.nn import MLP
    from aucscape.objectives import PairwiseAUC

    X = np.random.default_rng(0).normal(size=(12, 2))
    y = np.arange(12) % 3 == 0
    return PairwiseAUC(MLP(2, 2, 2), X, y, loss, **kw)


@pytest.mark.parametrize("loss", sorted(SURROGATES))
def test_pairwise_auc_takes_beta_and_margin_for_every_surrogate(loss):
    obj = _objective(loss, beta=4.0, margin=0.5)
    d = obj.describe()
    assert (d["beta"], d["margin"], d["surrogate_form"]) == (4.0, 0.5, 2)
    w = obj.random_point(np.random.default_rng(1))
    s = obj.scores(w, obj.X)
    from aucscape.pairwise import pairwise_loss

    want = pairwise_loss(obj.y, s, loss, beta=4.0, margin=0.5)
    assert obj.energy(w) == pytest.approx(want + obj.lam * float(w @ w), rel=1e-12)


def test_make_objective_accepts_beta_and_margin_for_ce_too():
    from aucscape.data import spiral
    from aucscape.objectives import make_objective

    ds = spiral()
    assert make_objective(ds, "ce", beta=10.0, margin=0.3).describe()["loss"] == "ce"
    obj = make_objective(ds, "hinge", hidden=3, beta=10.0, margin=0.3)
    assert (obj.beta, obj.margin) == (10.0, 0.3)


def test_old_descriptions_of_margin_surrogates_keep_their_meaning():
    # before ℓ = f(βz) hinge ignored the recorded β = 40: rebuild it as max(0, m − z)
    from aucscape.data import spiral
    from aucscape.objectives import build_objective, make_objective

    ds = spiral()
    obj = make_objective(ds, "hinge", hidden=3, beta=40.0, margin=1.0)
    old = {k: v for k, v in obj.describe().items() if k != "surrogate_form"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # β = m = 1 is linear: it warns
        rebuilt = build_objective(old, dataset=ds)
    assert rebuilt.beta == 1.0
    assert build_objective(obj.describe(), dataset=ds).beta == 40.0


@pytest.mark.parametrize("bad", [True, False, "0.5", 0, 0.0, 1.5, -0.1, float("nan"),
                                 float("inf"), [0.5]])
def test_roc_auc_and_pairwise_loss_refuse_the_same_max_fpr(bad):
    """Issue 24 item 10: one rule for max_fpr (roc_auc took True and "0.5")."""
    from aucscape.metrics import roc_auc
    from aucscape.pairwise import pairwise_loss

    y, s = [0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8]
    with pytest.raises(ValueError, match="max_fpr") as a:
        roc_auc(y, s, max_fpr=bad)
    with pytest.raises(ValueError, match="max_fpr") as b:
        pairwise_loss(y, s, "sigmoid", max_fpr=bad)
    assert str(a.value) == str(b.value)


def test_roc_auc_still_takes_every_max_fpr_pairwise_loss_takes():
    from aucscape.metrics import roc_auc

    y, s = [0, 1, 0, 1], [0.1, 0.4, 0.5, 0.8]
    assert roc_auc(y, s, max_fpr=np.float32(1.0)) == roc_auc(y, s) == 0.75
    assert roc_auc(y, s, max_fpr=np.int64(1)) == 0.75
