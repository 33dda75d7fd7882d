"""GMIN-style L-BFGS minimiser with the RMS-gradient stopping rule.

Convergence: rms(g) = ||g||_2 / sqrt(n) <= tol (GMIN's criterion; 1e-10 for stored minima).

Each iteration (Nocedal's two-loop recursion, as in GMIN's ``mylbfgs``):

1. d = -H g, where H is the limited-memory inverse-Hessian built from the last ``memory``
   pairs s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k with initial diagonal
   H0 = (s.y)/(y.y) of the newest pair (on the first step, and after a reset,
   H0 = ``dguess``, so the first step is d = -dguess g).
2. If ||d|| > max_step the whole step is scaled to length max_step (no line search).
3. The trial point is accepted when E(x + d) - E(x) <= max_rise_eff, where
   max_rise_eff = max(max_rise, 64 eps max(1, |E|)) so that floating-point noise in E
   near convergence never blocks progress. Otherwise the step is halved; after
   ``max_halvings`` halvings the memory is reset and a steepest-descent step is tried.
4. Pairs with s.y <= 1e-300 (negative curvature seen along s) are not stored, which keeps
   H positive definite and d a descent direction.

scipy's L-BFGS-B stops on a max-abs projected gradient and line-search failures near
1e-10; this loop keeps stepping with a guarded quasi-Newton step, which is what lets it
reach RMS 1e-10 on ill-conditioned problems (eigenvalues spanning 1e-5..10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial
from typing import Any

import numpy as np

from .._validation import check_int, check_nonnegative, check_positive
from ..protocols import FloatArray, Objective
from .polish import newton_polish

FunGrad = Callable[[FloatArray], tuple[float, FloatArray]]

_EPS = float(np.finfo(np.float64).eps)


@dataclass
class MinimizeResult:
    """Outcome of a quench.

    x: final coordinates; energy: E(x); grad: dE/dx at x; rms_grad: ||grad||/sqrt(n);
    n_iter: accepted steps; n_eval: energy-gradient evaluations; converged: rms_grad <= tol;
    message: why the loop stopped.
    """

    x: FloatArray
    energy: float
    grad: FloatArray
    rms_grad: float
    n_iter: int
    n_eval: int
    converged: bool
    message: str


def rms(g: FloatArray) -> float:
    """RMS gradient ||g||_2 / sqrt(n)."""
    return float(np.linalg.norm(g) / np.sqrt(max(g.size, 1)))


def _two_loop(g: FloatArray, S: np.ndarray, Y: np.ndarray, rho: np.ndarray, order: list[int],
              h0: float) -> FloatArray:
    """Return -H g by the L-BFGS two-loop recursion over pairs ``order`` (oldest first)."""
    q = g.copy()
    alpha = np.empty(len(order))
    for j in range(len(order) - 1, -1, -1):
        i = order[j]
        alpha[j] = rho[i] * S[i].dot(q)
        q -= alpha[j] * Y[i]
    r = h0 * q
    for j, i in enumerate(order):
        beta = rho[i] * Y[i].dot(r)
        r += S[i] * (alpha[j] - beta)
    return -r


@dataclass(frozen=True)
class LbfgsOptions:
    """Settings of the L-BFGS loop (module docstring), validated once when made.

    tol : RMS-gradient tolerance, ||g||/sqrt(n) <= tol.
    max_iter : maximum number of accepted steps.
    max_step : maximum Euclidean length of one step (GMIN's MAXBFGS, default 0.4).
    memory : number of (s, y) pairs kept (GMIN's M, default 10).
    max_rise : largest accepted energy rise per step (GMIN's MAXERISE, default 1e-10).
    dguess : initial inverse-Hessian diagonal before any pair is known (GMIN's DGUESS).
    max_halvings : step halvings tried before the memory is reset.

    :func:`minimize_fn` and :func:`lbfgs` take one as ``options`` and its fields as
    keyword arguments, which replace those of ``options``.

    >>> LbfgsOptions(memory=100).memory
    100
    >>> LbfgsOptions(memory=0)
    Traceback (most recent call last):
    ...
    ValueError: memory must be an integer >= 1, got 0
    """

    tol: float = 1e-10
    max_iter: int = 20000
    max_step: float = 0.4
    memory: int = 10
    max_rise: float = 1e-10
    dguess: float = 0.1
    max_halvings: int = 20

    def __post_init__(self) -> None:
        put = partial(object.__setattr__, self)
        put("tol", check_positive(self.tol, "tol"))
        put("max_iter", check_int(self.max_iter, "max_iter", minimum=0))
        put("max_step", check_positive(self.max_step, "max_step"))
        put("memory", check_int(self.memory, "memory", minimum=1))
        put("max_rise", check_nonnegative(self.max_rise, "max_rise"))
        put("dguess", check_positive(self.dguess, "dguess"))
        put("max_halvings", check_int(self.max_halvings, "max_halvings", minimum=0))

    def with_changes(self, **changes: Any) -> LbfgsOptions:
        """These options with ``changes`` (field name -> value), validated; unknown
        names are a ValueError naming them.

        >>> LbfgsOptions().with_changes(tol=1e-6).tol
        1e-06
        """
        unknown = sorted(set(changes) - _FIELDS)
        if unknown:
            raise ValueError(f"unknown L-BFGS option(s) {', '.join(unknown)}; expected "
                             f"{', '.join(sorted(_FIELDS))}")
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        return replace(self, **changes) if changes else self


_FIELDS = frozenset(f.name for f in fields(LbfgsOptions))
_DEFAULT = LbfgsOptions()


def _options(options: LbfgsOptions | None, overrides: dict[str, Any]) -> LbfgsOptions:
    """``options`` (the defaults when None) with the keyword ``overrides``."""
    return (_DEFAULT if options is None else options).with_changes(**overrides)


def check_lbfgs_kwargs(kwargs: dict[str, Any], name: str) -> dict[str, Any]:
    """``kwargs`` after checking they are valid keyword arguments of :func:`lbfgs` (the
    :class:`LbfgsOptions` fields, ``backend``, ``polish_below``); a ValueError names
    ``name`` and the key otherwise. For callers that pass the same options to many
    quenches (in worker processes), so that a mistake is refused before any work.

    >>> check_lbfgs_kwargs({"memory": 100, "polish_below": None}, "minimize_options")
    {'memory': 100, 'polish_below': None}
    """
    opts = dict(kwargs)
    backend = opts.pop("backend", "auto")
    polish_below = opts.pop("polish_below", None)
    try:
        _DEFAULT.with_changes(**opts)
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if polish_below is not None:
            check_positive(polish_below, "polish_below")
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None
    return dict(kwargs)


def _start_point(x0: Any) -> FloatArray:
    """x0 as a new flat float64 array; ValueError when empty or not finite."""
    x = np.array(x0, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("x0 must have at least one coordinate")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf")
    return x


def minimize_fn(fun_grad: FunGrad, x0: Any, options: LbfgsOptions | None = None, *,
                callback: Callable[[FloatArray, float, float], None] | None = None,
                **overrides: Any) -> MinimizeResult:
    """Minimise a plain callable ``fun_grad(x) -> (E, g)`` from ``x0`` (see module doc).

    ``options``: an :class:`LbfgsOptions` (its defaults when None); ``overrides``: any of
    its fields as keywords (tol, max_iter, max_step, memory, max_rise, dguess,
    max_halvings), replacing those of ``options``. ``callback`` is called as
    ``callback(x, energy, rms_grad)`` after every accepted step.

    >>> r = minimize_fn(lambda x: (float(x @ x), 2 * x), [1.0, -2.0], max_step=5.0)
    >>> bool(r.converged and r.rms_grad <= 1e-10)
    True
    """
    opts = _options(options, overrides)
    x = _start_point(x0)
    tol, max_iter, max_step = opts.tol, opts.max_iter, opts.max_step
    memory, max_rise, dguess = opts.memory, opts.max_rise, opts.dguess
    max_halvings = opts.max_halvings
    n = x.size

    def evaluate(z: FloatArray) -> tuple[float, FloatArray]:
        e, gz = fun_grad(z)
        return float(e), np.asarray(gz, dtype=np.float64).reshape(n)

    energy, g = evaluate(x)
    n_eval = 1
    if not (np.isfinite(energy) and np.all(np.isfinite(g))):
        raise ValueError("energy or gradient is not finite at x0")

    S = np.zeros((memory, n))
    Y = np.zeros((memory, n))
    rho = np.zeros(memory)
    order: list[int] = []  # slots in use, oldest first
    h0 = dguess
    n_iter = 0
    message = "max_iter reached"

    while True:
        r = rms(g)
        if r <= tol:
            message = "converged"
            break
        if n_iter >= max_iter:
            break
        d = _two_loop(g, S, Y, rho, order, h0) if order else -dguess * g
        if d.dot(g) >= 0:  # numerically not a descent direction: start afresh
            order.clear()
            d = -dguess * g
        dnorm = float(np.linalg.norm(d))
        if dnorm > max_step:
            d *= max_step / dnorm

        accepted = False
        reset_done = False
        halvings = 0
        while True:
            x_new = x + d
            e_new, g_new = evaluate(x_new)
            n_eval += 1
            allowed = max(max_rise, 64 * _EPS * max(1.0, abs(energy)))
            if np.isfinite(e_new) and np.all(np.isfinite(g_new)) and e_new - energy <= allowed:
                accepted = True
                break
            halvings += 1
            if halvings <= max_halvings:
                d *= 0.5
                continue
            if reset_done:
                break
            # GMIN's cure for repeated rises: forget the curvature pairs and go downhill.
            order.clear()
            reset_done = True
            halvings = 0
            d = -dguess * g
            dnorm = float(np.linalg.norm(d))
            if dnorm > max_step:
                d *= max_step / dnorm
        if not accepted:
            message = "energy rose on every trial step (precision limit reached)"
            break

        s = x_new - x
        y = g_new - g
        sy = float(s.dot(y))
        if sy > 1e-300:
            if len(order) == memory:
                slot = order.pop(0)
            else:
                slot = len(order)
                while slot in order:  # after a reset slots may be reused in any order
                    slot = (slot + 1) % memory
            S[slot] = s
            Y[slot] = y
            rho[slot] = 1.0 / sy
            order.append(slot)
            h0 = sy / float(y.dot(y))
        x, energy, g = x_new, e_new, g_new
        n_iter += 1
        if callback is not None:
            callback(x, energy, rms(g))

    r = rms(g)
    return MinimizeResult(
        x=x, energy=energy, grad=g, rms_grad=r, n_iter=n_iter, n_eval=n_eval,
        converged=bool(r <= tol), message=message,
    )


BACKENDS = ("auto", "numpy", "numba")


def _numba_kernel(objective: Objective, backend: str, has_callback: bool) -> Any:
    """The objective's ``(fn, args)`` when the numba loop should run, else None."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "numpy":
        return None
    hook = getattr(objective, "numba_kernel", None)
    kernel = None
    if callable(hook) and not (backend == "auto" and has_callback):
        try:
            import numba  # noqa: F401  (optional dependency)
        except ImportError:
            if backend == "numba":
                raise ValueError("backend='numba' needs the numba package; "
                                 "install aucscape[numba] or use backend='numpy'") from None
            return None
        kernel = hook()
    if backend == "numba":
        if has_callback:
            raise ValueError("backend='numba' does not support callback; use backend='numpy'")
        if kernel is None:
            raise ValueError(f"backend='numba' needs an objective with a numba_kernel() fast "
                             f"path; {type(objective).__name__} has none")
    return kernel


def lbfgs(objective: Objective, x0: Any, options: LbfgsOptions | None = None, *,
          backend: str = "auto", polish_below: float | None = 1e-4,
          callback: Callable[[FloatArray, float, float], None] | None = None,
          **overrides: Any) -> MinimizeResult:
    """Quench ``x0`` on ``objective`` (anything with ``energy_gradient(w) -> (E, g)``).

    ``options``, ``overrides`` (the fields of :class:`LbfgsOptions` as keywords) and
    ``callback`` are those of :func:`minimize_fn`; ``backend`` chooses the loop:

    - ``"numpy"``: :func:`minimize_fn` over ``objective.energy_gradient``;
    - ``"numba"``: the same algorithm compiled (:mod:`._lbfgs_numba`) over the objective's
      optional ``numba_kernel() -> (fn, args)`` hook, ``fn(w, *args) -> (E, g)`` an
      ``@njit`` function; ValueError when numba or the hook is missing, or with a callback;
    - ``"auto"`` (default): ``"numba"`` when numba imports, the objective provides a kernel
      (``numba_kernel()`` not None) and there is no callback, else ``"numpy"``.

    Both backends take the same steps up to rounding and return the same
    :class:`MinimizeResult`; the numba loop removes the per-iteration Python overhead
    (~5-10x faster quenches of the paper's small networks).

    ``polish_below``: when the objective has an exact ``hessian(w)`` and L-BFGS has reached
    RMS gradient ``polish_below`` (default 1e-4), exact Newton steps finish the quench
    (:mod:`.polish`); if they cannot (a non-positive eigenvalue, no progress), L-BFGS simply
    continues from the best point. ``None`` disables it (pure L-BFGS, GMIN's behaviour).
    The converged point satisfies the same RMS criterion either way.

    >>> from aucscape.testsurfaces import MuellerBrown
    >>> r = lbfgs(MuellerBrown(), MuellerBrown.MINIMA[0] + 0.05, memory=20)
    >>> bool(r.converged)
    True
    """
    fg = getattr(objective, "energy_gradient", None)
    if fg is None or not callable(fg):
        raise ValueError(
            f"objective must have an energy_gradient(w) method; got {type(objective).__name__}"
        )
    opts = _options(options, overrides)
    x0 = _start_point(x0)
    kernel = _numba_kernel(objective, backend, callback is not None)
    tol, max_iter = opts.tol, opts.max_iter

    def run(x_start: Any, run_tol: float, run_max_iter: int) -> MinimizeResult:
        if kernel is None:
            stage = opts.with_changes(tol=run_tol, max_iter=run_max_iter)
            return minimize_fn(fg, x_start, stage, callback=callback)
        return _run_numba(objective, kernel, x_start, opts, run_tol, run_max_iter)

    if polish_below is not None:
        check_positive(polish_below, "polish_below")
    if (polish_below is None or polish_below <= tol
            or not callable(getattr(objective, "hessian", None))):
        return run(x0, tol, max_iter)
    # L-BFGS to stage_tol, then Newton; if Newton cannot finish (e.g. not yet inside the
    # convex region), L-BFGS goes on to a 100x tighter stage and Newton tries again.
    stage_tol, x_start, n_iter, n_eval = float(polish_below), x0, 0, 0
    while True:
        stage = run(x_start, max(stage_tol, tol), max(max_iter - n_iter, 0))
        n_iter += stage.n_iter
        n_eval += stage.n_eval
        stage.n_iter, stage.n_eval = n_iter, n_eval
        if not stage.converged or stage.rms_grad <= tol:
            return _with_tol(stage, tol)
        polished = newton_polish(objective, stage.x, stage.energy, stage.grad, tol=tol,
                                 max_step=opts.max_step, max_rise=opts.max_rise)
        n_iter += polished.n_steps
        n_eval += polished.n_eval
        if polished.converged:
            return MinimizeResult(x=polished.x, energy=polished.energy, grad=polished.grad,
                                  rms_grad=polished.rms_grad, n_iter=n_iter, n_eval=n_eval,
                                  converged=True, message="converged (Newton polish)")
        x_start = polished.x
        stage_tol *= 1e-2


def _with_tol(result: MinimizeResult, tol: float) -> MinimizeResult:
    """``result`` judged against the caller's ``tol`` (a first stage ran to a looser one)."""
    result.converged = bool(result.rms_grad <= tol)
    if not result.converged and result.message == "converged":
        result.message = "stopped before polishing"
    return result


def _run_numba(objective: Objective, kernel: Any, x0: Any, opts: LbfgsOptions, tol: float,
               max_iter: int) -> MinimizeResult:
    """The compiled L-BFGS loop (:mod:`._lbfgs_numba`) over ``kernel = (fn, args)``, with
    ``opts`` but the stage's ``tol`` and ``max_iter`` (derived from validated ones)."""
    x = _start_point(x0)
    n_params = getattr(objective, "n_params", x.size)
    if x.size != n_params:
        raise ValueError(f"x0 must have {n_params} coordinates for this objective, "
                         f"got {x.size}")
    from . import _lbfgs_numba  # lazy: compiling must not hit `import aucscape`

    fn, args = kernel
    x, energy, g, n_iter, n_eval, status = _lbfgs_numba.run(
        fn, args, x, **{**vars(opts), "tol": tol, "max_iter": max_iter})
    if status == _lbfgs_numba.NOT_FINITE:
        raise ValueError("energy or gradient is not finite at x0")
    r = rms(g)
    return MinimizeResult(
        x=x, energy=energy, grad=g, rms_grad=r, n_iter=n_iter, n_eval=n_eval,
        converged=bool(r <= tol), message=_lbfgs_numba.MESSAGES[status],
    )
