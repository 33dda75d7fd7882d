"""The L-BFGS loop of :func:`aucscape.landscape.minimize.minimize_fn`, compiled by numba.

Imported only when the numba backend runs. The algorithm, constants and stopping rule
are those of ``minimize_fn`` (see :mod:`aucscape.landscape.minimize`), step for step:
two-loop recursion over the last ``memory`` pairs (s, y) with H0 = (s·y)/(y·y), the
step scaled to length ``max_step``, acceptance when E(x + d) − E(x) ≤
max(max_rise, 64 ε max(1, |E|)), up to ``max_halvings`` halvings then one memory reset
with a steepest-descent step, pairs with s·y ≤ 1e-300 skipped, and convergence when
‖g‖/√n ≤ tol.

Reverse communication: the compiled :func:`_advance` does all the bookkeeping of one
evaluation (accept or halve, update the memory, propose the next trial point) in a flat
work buffer, and a three-line Python loop calls the energy-gradient kernel in between.
The kernel ``fn(x, *args) -> (E, g)`` is usually an ``@njit`` function (an objective's
``numba_kernel()``), called from Python at ~1 µs overhead. This keeps everything cacheable
on disk: a compiled loop that took ``fn`` as an argument would have to be recompiled,
kernel included, in every process (numba cannot cache functions typed on another
dispatcher), costing seconds per worker.

No ``fastmath``: every floating-point operation is one ``minimize_fn`` performs, except
that dot products are summed here as four interleaved partial sums (:func:`_dot`) where
numpy's BLAS sums in its own order, so both loops take the same steps up to the rounding
of dot products (over hundreds of steps the iteration counts drift apart by a few per
cent). The vector updates of the two-loop recursion are written as element loops into
preallocated buffers (no temporary arrays) and the dot products inlined: with the memory
of 100 pairs that exploration uses, temporaries and a BLAS call per product made the
bookkeeping cost as much as a network's energy-gradient evaluation
(``benchmarks/bench_lbfgs_loop.py`` measures the loop against an earlier copy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba as nb
import numpy as np

from ..protocols import FloatArray

# status codes
MAX_ITER, CONVERGED, ROSE, NOT_FINITE, NEED_EVAL = 0, 1, 2, 3, 4
MESSAGES = {
    MAX_ITER: "max_iter reached",
    CONVERGED: "converged",
    ROSE: "energy rose on every trial step (precision limit reached)",
}
_EPS = float(np.finfo(np.float64).eps)

# integer state I: n, memory, n_order, n_iter, n_eval, halvings, reset_done, max_iter,
# max_halvings, then the ring of slots ``order`` (memory entries)
_N, _M, _NORD, _NIT, _NEV, _HALV, _RESET, _MAXIT, _MAXHALV, _ORDER = range(10)
# float scalars at the end of F: energy, h0, tol, max_step, max_rise, dguess
_E, _H0, _TOL, _STEP, _RISE, _DG = range(6)


@nb.njit(cache=True)
def _views(F, I):  # pragma: no cover - jitted
    """x, g, d, x_trial, S, Y, rho and the scalar block of the flat buffer F."""
    n, m = I[_N], I[_M]
    x = F[0:n]
    g = F[n:2 * n]
    d = F[2 * n:3 * n]
    xt = F[3 * n:4 * n]
    S = F[4 * n:4 * n + m * n].reshape((m, n))
    Y = F[4 * n + m * n:4 * n + 2 * m * n].reshape((m, n))
    o = 4 * n + 2 * m * n
    rho = F[o:o + m]
    return x, g, d, xt, S, Y, rho, F[o + m:]


@nb.njit(cache=True)
def _dot(a, b):  # pragma: no cover - jitted
    """sum_k a_k b_k, inlined where np.dot calls BLAS once per product: four partial sums
    over k mod 4 (independent additions the CPU overlaps), added as (s0 + s1) + (s2 + s3)."""
    n = a.size
    s0 = s1 = s2 = s3 = 0.0
    k = 0
    while k + 4 <= n:
        s0 += a[k] * b[k]
        s1 += a[k + 1] * b[k + 1]
        s2 += a[k + 2] * b[k + 2]
        s3 += a[k + 3] * b[k + 3]
        k += 4
    while k < n:
        s0 += a[k] * b[k]
        k += 1
    return (s0 + s1) + (s2 + s3)


@nb.njit(cache=True)
def _finite(v):  # pragma: no cover - jitted
    """Every entry finite (no temporary array)."""
    for k in range(v.size):
        if not math.isfinite(v[k]):
            return False
    return True


@nb.njit(cache=True)
def _norm(v):  # pragma: no cover - jitted
    return math.sqrt(_dot(v, v))


@nb.njit(cache=True)
def _scale(d, max_step):  # pragma: no cover - jitted
    dnorm = _norm(d)
    if dnorm > max_step:
        d *= max_step / dnorm


@nb.njit(cache=True)
def _propose(F, I):  # pragma: no cover - jitted
    """At the accepted point: stop (CONVERGED / MAX_ITER) or set x_trial = x + d."""
    x, g, d, xt, S, Y, rho, sc = _views(F, I)
    n = I[_N]
    if _norm(g) / math.sqrt(max(n, 1)) <= sc[_TOL]:
        return CONVERGED
    if I[_NIT] >= I[_MAXIT]:
        return MAX_ITER
    n_order = I[_NORD]
    dguess = sc[_DG]
    if n_order > 0:  # two-loop recursion, oldest pair first, in d (no temporaries)
        alpha = _alpha(F, I)
        d[:] = g
        for j in range(n_order - 1, -1, -1):
            i = I[_ORDER + j]
            a = rho[i] * _dot(S[i], d)
            alpha[j] = a
            for k in range(n):
                d[k] -= a * Y[i, k]
        h0 = sc[_H0]
        for k in range(n):
            d[k] = h0 * d[k]
        for j in range(n_order):
            i = I[_ORDER + j]
            c = alpha[j] - rho[i] * _dot(Y[i], d)
            for k in range(n):
                d[k] += S[i, k] * c
        for k in range(n):
            d[k] = -d[k]
    else:
        for k in range(n):
            d[k] = -dguess * g[k]
    if _dot(d, g) >= 0.0:  # numerically not a descent direction: start afresh
        I[_NORD] = 0
        for k in range(n):
            d[k] = -dguess * g[k]
    _scale(d, sc[_STEP])
    I[_HALV] = 0
    I[_RESET] = 0
    for k in range(n):
        xt[k] = x[k] + d[k]
    return NEED_EVAL


@nb.njit(cache=True)
def _start(F, I, e, g0):  # pragma: no cover - jitted
    """Take E(x0), g(x0) (x0 already in F) and propose the first trial point."""
    g, sc = _views(F, I)[1::6]
    I[_NEV] = 1
    if not (math.isfinite(e) and _finite(g0)):
        return NOT_FINITE
    g[:] = g0
    sc[_E] = e
    return _propose(F, I)


@nb.njit(cache=True)
def _scratch(I):  # pragma: no cover - jitted
    """Offset in F of the scratch block: s, y (n each), then alpha (memory entries)."""
    n, m = I[_N], I[_M]
    return 4 * n + 2 * m * n + m + 6


@nb.njit(cache=True)
def _alpha(F, I):  # pragma: no cover - jitted
    """The two-loop recursion's alpha coefficients, the first n_order of the block."""
    o = _scratch(I) + 2 * I[_N]
    return F[o:o + I[_NORD]]


@nb.njit(cache=True)
def _in_use(I, slot):  # pragma: no cover - jitted
    for k in range(I[_NORD]):
        if I[_ORDER + k] == slot:
            return True
    return False


@nb.njit(cache=True)
def _advance(F, I, e_new, g_new):  # pragma: no cover - jitted
    """Consume E, g at x_trial: accept (update memory, propose) or halve / reset / fail."""
    x, g, d, xt, S, Y, rho, sc = _views(F, I)
    I[_NEV] += 1
    energy = sc[_E]
    allowed = max(sc[_RISE], 64.0 * _EPS * max(1.0, abs(energy)))
    if not (math.isfinite(e_new) and _finite(g_new) and e_new - energy <= allowed):
        I[_HALV] += 1
        if I[_HALV] <= I[_MAXHALV]:
            d *= 0.5
        elif I[_RESET] != 0:
            return ROSE
        else:  # GMIN's cure for repeated rises: forget the curvature pairs, go downhill
            I[_NORD] = 0
            I[_RESET] = 1
            I[_HALV] = 0
            d[:] = -sc[_DG] * g
            _scale(d, sc[_STEP])
        for k in range(I[_N]):
            xt[k] = x[k] + d[k]
        return NEED_EVAL
    n = I[_N]
    o = _scratch(I)  # s and y (see run)
    s = F[o:o + n]
    y = F[o + n:o + 2 * n]
    for k in range(n):
        s[k] = xt[k] - x[k]
        y[k] = g_new[k] - g[k]
    sy = _dot(s, y)
    if sy > 1e-300:
        m = I[_M]
        if I[_NORD] == m:
            slot = I[_ORDER]
            for k in range(m - 1):
                I[_ORDER + k] = I[_ORDER + k + 1]
            I[_NORD] -= 1
        else:
            slot = I[_NORD]
            while _in_use(I, slot):  # after a reset slots may be reused in any order
                slot = (slot + 1) % m
        S[slot] = s
        Y[slot] = y
        rho[slot] = 1.0 / sy
        I[_ORDER + I[_NORD]] = slot
        I[_NORD] += 1
        sc[_H0] = sy / _dot(y, y)
    x[:] = xt
    g[:] = g_new
    sc[_E] = e_new
    I[_NIT] += 1
    return _propose(F, I)


def run(fn: Callable[..., tuple[float, FloatArray]], args: tuple[Any, ...], x0: FloatArray, *,
        tol: float, max_iter: int, max_step: float, memory: int, max_rise: float,
        dguess: float, max_halvings: int) -> tuple[FloatArray, float, FloatArray, int, int, int]:
    """Minimise ``fn(x, *args)`` from ``x0`` with validated options.

    Returns (x, E, g, n_iter, n_eval, status), ``status`` one of ``MAX_ITER``,
    ``CONVERGED``, ``ROSE`` or ``NOT_FINITE`` (E or g not finite at x0).
    """
    x0 = np.ascontiguousarray(x0, dtype=np.float64)
    n, m = x0.size, int(memory)
    F = np.zeros(4 * n + 2 * m * n + m + 6 + 2 * n + m)  # + scratch s, y, alpha
    F[:n] = x0
    sc = F[4 * n + 2 * m * n + m:]
    sc[_E], sc[_H0], sc[_TOL] = 0.0, float(dguess), float(tol)
    sc[_STEP], sc[_RISE], sc[_DG] = float(max_step), float(max_rise), float(dguess)
    I = np.zeros(_ORDER + m, dtype=np.int64)
    I[_N], I[_M], I[_MAXIT], I[_MAXHALV] = n, m, int(max_iter), int(max_halvings)
    xt = F[3 * n:4 * n]
    e, g = fn(x0.copy(), *args)
    status = _start(F, I, float(e), np.asarray(g, dtype=np.float64))
    while status == NEED_EVAL:
        e, g = fn(xt, *args)
        status = _advance(F, I, float(e), g)
    if status == NOT_FINITE:
        return x0, float(e), np.asarray(g, dtype=np.float64), 0, 1, status
    return (F[:n].copy(), float(sc[_E]), F[n:2 * n].copy(), int(I[_NIT]), int(I[_NEV]),
            int(status))
