"""Shared pieces of the network objectives: the L2 term, symmetry, description, Hessian parts.

Every objective here is E(W) = L(o(W)) + λ Σ_i W_i² where o are the network's logits on the
training inputs and λ multiplies every weight and bias (no 1/2), so ∇(λ‖W‖²) = 2λW and
∇²(λ‖W‖²) = 2λI.

Hessians are assembled exactly as

    ∇²E = Σ_d J'_dᵀ M'_d J'_d  (+ pair coupling)  + Σ_{d,c} G_dc ∇²o_dc + 2λI

where G = ∂L/∂o, J'_d (C−1, P) is the Jacobian of the logit differences o_c − o_0
(c = 1..C−1) and M'_d the curvature of L in those differences. The reduction from C logits
to C−1 differences is exact because softmax is invariant to a common shift of the logits,
so every per-point curvature of L in o has the all-ones vector in its null space; for the
paper's C = 2 it turns the Gauss-Newton term into a single (P, N) @ (N, P) product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import check_nonnegative
from aucscape.defaults import DEFAULT_LAM
from aucscape.nn import MLP, Forward
from aucscape.pairwise import numba_available

FloatArray = NDArray[np.float64]

__all__ = ["NetworkObjective", "dataset_description", "numba_available"]


def dataset_description(dataset: Any) -> dict[str, Any] | None:
    """The ``description`` of a Dataset-like object, a dict passed as is, or None."""
    if dataset is None:
        return None
    if isinstance(dataset, dict):
        return dict(dataset)
    desc = getattr(dataset, "description", None)
    if not isinstance(desc, dict):
        raise ValueError("dataset must be a Dataset (with a .description dict) or a dict")
    return dict(desc)


class NetworkObjective:
    """Base class: an :class:`~aucscape.nn.MLP`, training data, and the λ‖W‖² term.

    ``y`` may be given as (N,) or as an (N, 1) column; the subclass's ``_check_labels(y)``
    validates it and returns the stored (read-only) ``self.y``.

    Subclasses implement ``_loss_grad(fwd) -> (L, G)`` (loss and ∂L/∂o, G of shape (N, C)),
    ``_loss_hessian(w, fwd) -> (P, P)`` (the Hessian of L(o(W)) without the L2 term) and
    ``_describe_loss() -> dict``; optionally ``_kernel_function(kernels)`` and
    ``_build_kernel_args()`` for the numba fast path (see :meth:`numba_kernel`).
    """

    loss_name: str = ""

    def __init__(
        self,
        model: MLP,
        X: ArrayLike,
        y: ArrayLike,
        *,
        lam: float = DEFAULT_LAM,
        dataset: Any = None,
    ) -> None:
        if not isinstance(model, MLP):
            raise ValueError(f"model must be an aucscape.nn.MLP, got {type(model).__name__}")
        self.model = model
        self.X = model.check_inputs(X)
        self.X.setflags(write=False)
        if self.X.shape[0] == 0:
            raise ValueError("X has no rows")
        self.lam = check_nonnegative(lam, "lam")
        self.dataset_description = dataset_description(dataset)
        y_arr = np.asarray(y)
        if y_arr.ndim == 2 and y_arr.shape[1] == 1:
            y_arr = y_arr[:, 0]
        if y_arr.shape != (self.X.shape[0],):
            raise ValueError(
                f"y must have shape ({self.X.shape[0]},) to match X, got {np.shape(y)}"
            )
        self.y = self._check_labels(y_arr)
        self.y.setflags(write=False)

    # ------------------------------------------------------------------ seam
    @property
    def n_params(self) -> int:
        """Number of network parameters P."""
        return self.model.n_params

    def energy(self, w: ArrayLike) -> float:
        """E(W) = L(o(W)) + λ Σ W² (the numba kernel's value when numba imports)."""
        if numba_available() and self._has_kernel():
            return self.energy_gradient(w)[0]
        w = self.model.check_params(w)
        L, _ = self._loss_grad(self.model.forward(w, self.X), need_grad=False)
        return float(L + self.lam * np.dot(w, w))

    def energy_gradient(self, w: ArrayLike) -> tuple[float, FloatArray]:
        """E and ∇E = Jᵀ ∂L/∂o + 2λW in one forward and one backward pass (no Jacobian).

        Uses the compiled kernel of :meth:`numba_kernel` when numba imports (same maths,
        agreeing to rounding), else :meth:`energy_gradient_numpy`.
        """
        if numba_available() and self._has_kernel():
            w = np.ascontiguousarray(self.model.check_params(w))
            fn, args = self.numba_kernel()  # type: ignore[misc]
            E, g = fn(w, *args)
            return float(E), g
        return self.energy_gradient_numpy(w)

    def energy_gradient_numpy(self, w: ArrayLike) -> tuple[float, FloatArray]:
        """E and ∇E by NumPy only (the reference path, and the one used without numba)."""
        w = self.model.check_params(w)
        fwd = self.model.forward(w, self.X)
        L, G = self._loss_grad(fwd, need_grad=True)
        g = self.model.backprop(w, fwd, G)
        g += (2.0 * self.lam) * w
        return float(L + self.lam * np.dot(w, w)), g

    def hessian(self, w: ArrayLike) -> FloatArray:
        """Exact dense ∇²E, (P, P), symmetric.

        Uses the compiled kernel of :meth:`_hessian_kernel` when numba imports and the
        subclass has one for this network and data (same maths, agreeing to rounding),
        else :meth:`hessian_numpy`.
        """
        if numba_available():
            kernel = self._hessian_kernel()
            if kernel is not None:
                fn, args = kernel
                return fn(np.ascontiguousarray(self.model.check_params(w)), *args)
        return self.hessian_numpy(w)

    def hessian_numpy(self, w: ArrayLike) -> FloatArray:
        """Exact dense ∇²E by NumPy only (the reference path, and the one without numba)."""
        w = self.model.check_params(w)
        H = self._loss_hessian(w, self.model.forward(w, self.X))
        H = 0.5 * (H + H.T)  # exact up to rounding; enforce symmetry bit for bit
        H[np.diag_indices_from(H)] += 2.0 * self.lam
        return H

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        """GMIN-style start: every parameter uniform in [−1, 1]."""
        return rng.uniform(-1.0, 1.0, size=self.n_params)

    def scores(self, w: ArrayLike, X: ArrayLike) -> FloatArray:
        """Positive-class probabilities p_1(W; x) for the rows of X (for test AUC)."""
        return self.model.p1(w, X)

    def describe(self) -> dict[str, Any]:
        """JSON-able dict: objective class, loss settings, λ, architecture, data set."""
        return {
            "objective": type(self).__name__,
            **self._describe_loss(),
            "lam": self.lam,
            "architecture": self.model.architecture,
            "n_train": int(self.X.shape[0]),
            "dataset": self.dataset_description,
        }

    # ------------------------------------------------------------------ numba fast path
    def numba_kernel(
        self,
    ) -> tuple[Callable[..., tuple[float, FloatArray]], tuple[Any, ...]] | None:
        """``(fn, args)``: a numba-compiled ``fn(w, *args) -> (E, ∇E)`` of this objective.

        ``fn`` is a module-level ``@njit`` function of :mod:`aucscape.objectives._kernels`
        and ``args`` plain arrays and numbers, so the compiled L-BFGS loop can call it
        (see :func:`aucscape.landscape.minimize.lbfgs`). ``w`` must be a contiguous
        float64 vector of length ``n_params``. Returns None when the subclass has no
        kernel; raises ImportError when numba is absent. The arguments are built once and
        cached on the instance (not pickled).
        """
        if not self._has_kernel():
            return None
        from aucscape.objectives import _kernels  # lazy: `import aucscape` stays numba-free

        args = self.__dict__.get("_kernel_args")
        if args is None:
            args = self._build_kernel_args()
            self._kernel_args = args
        return self._kernel_function(_kernels), args

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_kernel_args", None)  # rebuilt lazily in the receiving process
        return state

    # ------------------------------------------------------------------ symmetry
    def canonical(self, w: ArrayLike) -> FloatArray:
        """Representative of w under hidden-unit permutations and tanh sign flips.

        tanh is odd, so (W1[j, :], b1[j], W2[:, j]) → −(…) leaves the network unchanged;
        unit j is flipped so that b1[j] > 0 (or, when b1[j] = 0, its first non-zero incoming
        weight is positive). Units are then sorted by (b1[j], W1[j, :], W2[:, j])
        lexicographically (ascending). The energy (including λ‖W‖²) is unchanged.
        """
        w = self.model.check_params(w)
        W1, b1, W2, b2 = (a.copy() for a in self.model.unpack(w))
        lead = np.concatenate([b1[:, None], W1], axis=1)  # (H, K+1)
        nz = lead != 0
        first = np.where(nz.any(axis=1), nz.argmax(axis=1), 0)
        sign = np.where(lead[np.arange(lead.shape[0]), first] < 0, -1.0, 1.0)
        W1 *= sign[:, None]
        b1 *= sign
        W2 *= sign[None, :]
        keys = [b1, *W1.T, *W2]
        order = np.lexsort(keys[::-1])
        return self.model.pack(W1[order], b1[order], W2[:, order], b2)

    def align(self, w_ref: ArrayLike, w: ArrayLike) -> FloatArray:
        """The symmetry copy of ``w`` closest to ``w_ref`` (hidden-unit permutation + signs).

        With u_j = (W1[j, :], b1[j], W2[:, j]) the parameters of hidden unit j, a copy of w
        is T(w): u'_j = s_j u_π(j), s_j = ±1, b2 unchanged (same function and same λ‖W‖²).
        ‖w_ref − T(w)‖² = Σ_j ‖u^ref_j − s_j u_π(j)‖² + ‖Δb2‖² separates over units, so the
        optimum takes s_j per pair (the sign with the larger u^ref_j · u_k) and π from the
        assignment problem on the cost C[j, k] = min_s ‖u^ref_j − s u_k‖² (Hungarian
        algorithm, :func:`scipy.optimize.linear_sum_assignment`): exact, O(H³).
        """
        from scipy.optimize import linear_sum_assignment

        w_ref = self.model.check_params(w_ref)
        w = self.model.check_params(w)
        R1, rb1, R2, _ = self.model.unpack(w_ref)
        W1, b1, W2, b2 = self.model.unpack(w)
        u_ref = np.concatenate([R1, rb1[:, None], R2.T], axis=1)  # (H, K + 1 + C)
        u = np.concatenate([W1, b1[:, None], W2.T], axis=1)
        dot = u_ref @ u.T
        sq = np.sum(u_ref**2, axis=1)[:, None] + np.sum(u**2, axis=1)[None, :]
        cost = sq - 2.0 * np.abs(dot)
        rows, cols = linear_sum_assignment(cost)
        perm = cols[np.argsort(rows)]
        sign = np.where(dot[np.arange(dot.shape[0]), perm] < 0, -1.0, 1.0)
        return self.model.pack(W1[perm] * sign[:, None], b1[perm] * sign,
                               W2[:, perm] * sign[None, :], b2.copy())

    def symmetry_copies(self, w: ArrayLike) -> FloatArray:
        """Every copy T(w) of w under the symmetries :meth:`align` searches (optional hook).

        Rows are u'_j = s_j u_π(j) for every permutation π of the H hidden units and every
        sign vector s ∈ {±1}^H (b2 unchanged): (H!·2^H, P), the identity first. So
        min_T ‖a − T(b)‖ = min over rows r of copies(b) of ‖a − r‖, the aligned distance
        as a plain nearest-neighbour search. Grows as H!·2^H (48 rows at H = 3, 384 at 4;
        :attr:`n_symmetry_copies`); refused (ValueError) above
        :data:`MAX_SYMMETRY_COPIES`.

        >>> from aucscape.data import spiral
        >>> from aucscape.objectives import make_objective
        >>> obj = make_objective(spiral(points_per_arm=10), "ce", hidden=3)
        >>> obj.symmetry_copies(np.zeros(obj.n_params)).shape
        (48, 17)
        """
        w = self.model.check_params(w)
        index, sign = _symmetry_maps(self.model)
        return w[index] * sign

    @property
    def n_symmetry_copies(self) -> int:
        """H!·2^H, the rows :meth:`symmetry_copies` returns (optional hook, read before
        asking for them: 3,628,800·1,024 at H = 10)."""
        return _group_size(self.model.n_hidden)

    def descriptor(self, w: ArrayLike) -> FloatArray:
        """A cheap symmetry copy of ``w`` for nearest-neighbour search (optional hook).

        Each hidden unit u_j = (W1[j, :], b1[j], W2[:, j]) is flipped so that its entry of
        largest magnitude is positive, and units are sorted by ‖u_j‖ (descending). The
        result is one of the copies T(w) that :meth:`align` searches, so
        ‖descriptor(a) − descriptor(b)‖ ≥ min_T ‖a − T(b)‖: an upper bound on the aligned
        distance that is exact when both points order and sign their units alike.
        """
        w = self.model.check_params(w)
        W1, b1, W2, b2 = self.model.unpack(w)
        u = np.concatenate([W1, b1[:, None], W2.T], axis=1)
        big = np.abs(u).argmax(axis=1)
        sign = np.where(u[np.arange(u.shape[0]), big] < 0, -1.0, 1.0)
        order = np.argsort(-np.sum(u * u, axis=1), kind="stable")
        s = sign[order]
        return self.model.pack(W1[order] * s[:, None], b1[order] * s, W2[:, order] * s[None, :],
                               b2.copy())

    # ------------------------------------------------------------------ Hessian parts
    def _difference_jacobians(self, w: FloatArray, fwd: Forward) -> FloatArray:
        """(C−1, N, P): Jacobians of the logit differences o_c − o_0, c = 1..C−1."""
        N, C = fwd.proba.shape
        out = np.empty((C - 1, N, self.n_params))
        G = np.zeros((N, C))
        G[:, 0] = -1.0
        for c in range(1, C):
            G[:, c] = 1.0
            out[c - 1] = self.model.jacobian(w, fwd, G)
            G[:, c] = 0.0
        return out

    @staticmethod
    def _pointwise_gauss_newton(Jd: FloatArray, M: FloatArray) -> FloatArray:
        """Σ_d Σ_{c,c'} M_d[c, c'] J'_dcᵀ J'_dc' for Jd (C−1, N, P) and M (N, C−1, C−1)."""
        P = Jd.shape[2]
        if Jd.shape[0] == 1:  # C = 2: one scaled product
            return Jd[0].T @ (M[:, 0, 0, None] * Jd[0])
        B = np.einsum("ncd,dnp->cnp", M, Jd)
        return Jd.reshape(-1, P).T @ B.reshape(-1, P)

    # ------------------------------------------------------------------ subclass hooks
    def _check_labels(self, y: NDArray) -> NDArray:
        raise NotImplementedError

    def _loss_grad(self, fwd: Forward, need_grad: bool) -> tuple[float, FloatArray | None]:
        raise NotImplementedError

    def _loss_hessian(self, w: FloatArray, fwd: Forward) -> FloatArray:
        raise NotImplementedError

    def _describe_loss(self) -> dict[str, Any]:
        raise NotImplementedError

    def _hessian_kernel(self) -> tuple[Callable[..., FloatArray], tuple[Any, ...]] | None:
        """``(fn, args)`` with ``fn(w, *args) -> ∇²E`` compiled, or None (NumPy Hessian)."""
        return None

    def _has_kernel(self) -> bool:
        return type(self)._kernel_function is not NetworkObjective._kernel_function

    def _kernel_function(self, kernels: Any) -> Callable[..., tuple[float, FloatArray]]:
        raise NotImplementedError

    def _build_kernel_args(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __repr__(self) -> str:
        a = self.model
        return (
            f"{type(self).__name__}({a.n_in}-{a.n_hidden}-{a.n_out}, "
            f"{self._describe_loss()}, lam={self.lam:g}, N={self.X.shape[0]})"
        )


def _group_size(n_hidden: int) -> int:
    """H!·2^H: hidden-unit permutations times tanh sign flips."""
    return math.factorial(n_hidden) * 2 ** n_hidden


def _symmetry_maps(model: Any) -> tuple[np.ndarray, FloatArray]:
    """(index, sign), each (H!·2^H, P): copy r of w is w[index[r]] * sign[r]
    (:meth:`NetworkObjective.symmetry_copies`); built by applying every (π, s) to the
    parameter indices and to a vector of ones."""
    import itertools

    H, P = model.n_hidden, model.n_params
    if _group_size(H) > MAX_SYMMETRY_COPIES:
        raise ValueError(f"{H} hidden units have {_group_size(H):,} symmetry "
                         f"copies, more than MAX_SYMMETRY_COPIES = {MAX_SYMMETRY_COPIES:,}")
    key = (model.n_in, H, model.n_out)
    if key not in _SYMMETRY_MAPS:
        W1i, b1i, W2i, b2i = model.unpack(np.arange(P, dtype=np.float64))
        index, sign = [], []
        for perm in itertools.permutations(range(H)):
            p = list(perm)
            idx = model.pack(W1i[p], b1i[p], W2i[:, p], b2i)
            for signs in itertools.product((1.0, -1.0), repeat=H):
                sv = np.asarray(signs)
                index.append(idx)
                sign.append(model.pack(np.ones_like(W1i) * sv[:, None], sv,
                                       np.ones_like(W2i) * sv[None, :], np.ones_like(b2i)))
        _SYMMETRY_MAPS[key] = (np.asarray(index).astype(np.intp), np.asarray(sign))
    return _SYMMETRY_MAPS[key]


#: The most copies :meth:`NetworkObjective.symmetry_copies` builds (H ≤ 6: 46,080).
MAX_SYMMETRY_COPIES = 50_000
#: Index and sign maps of :func:`_symmetry_maps` by architecture (K, H, C).
_SYMMETRY_MAPS: dict[tuple[int, int, int], tuple[np.ndarray, FloatArray]] = {}
