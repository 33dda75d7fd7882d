"""Issue 24 item 9: margin surrogates at huge scores are exact or refused, in every method
and front end.

Every fast method shifts a positive score by the margin, s_p − m/β; at |s| ≈ 1e16 that
subtraction loses m/β entirely (quad gave 0 where the value is 1). The risk depends only
on score differences, so clustered huge scores are centred first (exact), and scores
spread too widely for the margin are refused with a ValueError.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from aucscape.pairwise import pairwise_loss

MARGIN = ("hinge", "squared_hinge", "quad", "smooth_hinge")
FAST = {"hinge": "sorted", "squared_hinge": "sorted", "quad": "factorised"}


def loss_and_slope(name: str, z: float, beta: float = 1.0, m: float = 1.0):
    """ℓ(z) and dℓ/dz from the surrogates' textbook definitions (independent code)."""
    h = m - beta * z
    if name == "hinge":
        return max(0.0, h), (-beta if h > 0 else 0.0)
    if name == "squared_hinge":
        return max(0.0, h) ** 2, (-2 * beta * h if h > 0 else 0.0)
    if name == "quad":
        return h * h, -2 * beta * h
    return math.log1p(math.exp(h)), -beta / (1 + math.exp(-h))  # smooth hinge


def methods(name):
    return ["auto", "blocked", "numba", "brute", *([FAST[name]] if name in FAST else [])]


@pytest.mark.parametrize("name", MARGIN)
@pytest.mark.parametrize("base", [1e16, -3e17, 1e300])
def test_clustered_huge_scores_give_the_exact_risk(name, base):
    y = [1, 0, 1, 0]
    step = float(np.spacing(base)) if np.spacing(base) < 1e3 else 0.0  # 1e300: ties only
    s = [base + k * step for k in (1.0, 0.0, 0.0, 1.0)]  # neighbours: exact differences
    d = np.subtract.outer(np.array(s)[[0, 2]], np.array(s)[[1, 3]])  # exact differences
    ref = [loss_and_slope(name, float(z)) for z in d.ravel()]
    want = np.mean([v for v, _ in ref])
    g = np.zeros(4)
    for k, (_, slope) in enumerate(ref):  # dR/ds_p = mean ℓ', dR/ds_n = −mean ℓ'
        p, n = (0, 2)[k // 2], (1, 3)[k % 2]
        g[p] += slope / 4
        g[n] -= slope / 4
    for method in methods(name):
        v, grad = pairwise_loss(y, s, name, method=method, return_grad=True)
        assert v == pytest.approx(want, rel=1e-12), method
        np.testing.assert_allclose(grad, g, rtol=1e-12, atol=1e-15, err_msg=method)


@pytest.mark.parametrize("name", MARGIN)
@pytest.mark.parametrize("s", [[-1e300, 1e300], [1e16, -1e16], [0.0, 1e9]])
def test_scores_too_spread_for_the_margin_are_refused(name, s):
    for method in methods(name):
        with pytest.raises(ValueError, match="too wide for this surrogate's margin"):
            pairwise_loss([1, 0], s, name, method=method)


@pytest.mark.parametrize("name", MARGIN)
def test_ordinary_scores_are_untouched(name):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    s = rng.normal(size=40) * 1e3  # within (m/β)·2^26: no centring, same bits as before
    ref = pairwise_loss(y, s, name, method="brute")
    for method in methods(name):
        assert pairwise_loss(y, s, name, method=method) == pytest.approx(ref, rel=1e-12)


def _front_ends():
    out = []
    try:
        import torch

        from aucscape.torch import pairwise_auc_loss as torch_loss

        out.append(("torch", lambda s, y, **kw: float(torch_loss(
            torch.tensor(s, dtype=torch.float64), torch.tensor(y), **kw))))
    except ImportError:  # pragma: no cover - optional dependency
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        from aucscape.jax import pairwise_auc_loss as jax_loss

        out.append(("jax", lambda s, y, **kw: float(jax_loss(
            jnp.asarray(y), jnp.asarray(s, dtype=jnp.float64), **kw))))
    except ImportError:  # pragma: no cover - optional dependency
        pass
    return out


@pytest.mark.parametrize("name", MARGIN)
def test_front_ends_are_exact_or_refuse_too(name):
    fronts = _front_ends()
    if not fronts:
        pytest.skip("no framework front end installed")
    want = loss_and_slope(name, 0.0)[0]
    for label, loss in fronts:
        got = loss([1e16, 1e16], [1, 0], surrogate=name)
        assert got == pytest.approx(want, rel=1e-12), label
        with pytest.raises(ValueError, match="too wide"):
            loss([-1e300, 1e300], [1, 0], surrogate=name)
