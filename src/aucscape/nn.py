"""The paper's network: one tanh hidden layer, linear outputs, softmax over C classes.

For an input x in R^K (K = ``n_in``), H hidden units and C outputs::

    a = W1 x + b1,   h = tanh(a),   o = W2 h + b2,   p = softmax(o),   s = p_1

All parameters live in one flat float64 vector w, in this order (row-major blocks):

    W1 (H x K; W1[j, k] joins input k to hidden unit j), b1 (H), W2 (C x H), b2 (C)

so ``n_params = H*(K + C) + H + C`` (52 for 2-10-2). The class offers the forward pass,
vector-Jacobian products (backprop), per-sample Jacobians of any linear functional of the
logits, and the exact second-order term sum_{d,c} G_dc ∇²o_dc that the objectives need for
their Hessians. Everything is batched over the N rows of X (no per-point Python loops).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from aucscape._validation import check_int

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Forward:
    """Cached forward pass for a batch X (N, K): hidden activations and outputs.

    ``h`` = tanh(X W1ᵀ + b1) (N, H), ``logits`` o (N, C), ``proba`` softmax(o) (N, C).
    """

    X: FloatArray
    h: FloatArray
    logits: FloatArray
    proba: FloatArray


@dataclass(frozen=True)
class MLP:
    """Architecture K-H-C: ``n_in`` inputs, ``n_hidden`` tanh units, ``n_out`` softmax outputs."""

    n_in: int
    n_hidden: int
    n_out: int = 2

    def __post_init__(self) -> None:
        for name in ("n_in", "n_hidden", "n_out"):
            check_int(getattr(self, name), name, minimum=1)
        if self.n_out < 2:
            raise ValueError(f"n_out must be >= 2 for a softmax output, got {self.n_out}")

    # ------------------------------------------------------------------ layout
    @property
    def n_params(self) -> int:
        """H*(K + C) + H + C."""
        K, H, C = self.n_in, self.n_hidden, self.n_out
        return H * (K + C) + H + C

    @property
    def architecture(self) -> dict[str, int]:
        """JSON-able {"n_in", "n_hidden", "n_out"}."""
        return {"n_in": int(self.n_in), "n_hidden": int(self.n_hidden), "n_out": int(self.n_out)}

    def _offsets(self) -> tuple[int, int, int, int]:
        K, H, C = self.n_in, self.n_hidden, self.n_out
        o_b1 = H * K
        o_w2 = o_b1 + H
        o_b2 = o_w2 + C * H
        return o_b1, o_w2, o_b2, o_b2 + C

    def check_params(self, w: ArrayLike) -> FloatArray:
        """w as a 1-D float64 array of length ``n_params``; ValueError otherwise."""
        arr = np.asarray(w, dtype=np.float64)
        if arr.shape != (self.n_params,):
            raise ValueError(
                f"parameter vector must have shape ({self.n_params},) for a "
                f"{self.n_in}-{self.n_hidden}-{self.n_out} network, got {np.shape(w)}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("parameter vector contains NaN or inf")
        return arr

    def check_inputs(self, X: ArrayLike) -> FloatArray:
        """X as a finite 2-D float64 array with ``n_in`` columns."""
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != self.n_in:
            raise ValueError(f"X must have shape (N, {self.n_in}), got {np.shape(X)}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("X contains NaN or inf")
        return arr

    def unpack(self, w: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Views (W1 (H, K), b1 (H,), W2 (C, H), b2 (C,)) into the flat vector w."""
        K, H, C = self.n_in, self.n_hidden, self.n_out
        o_b1, o_w2, o_b2, end = self._offsets()
        return (
            w[:o_b1].reshape(H, K),
            w[o_b1:o_w2],
            w[o_w2:o_b2].reshape(C, H),
            w[o_b2:end],
        )

    def pack(
        self, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike
    ) -> FloatArray:
        """Flat vector from the four blocks (inverse of :meth:`unpack`)."""
        K, H, C = self.n_in, self.n_hidden, self.n_out
        parts = [(W1, (H, K), "W1"), (b1, (H,), "b1"), (W2, (C, H), "W2"), (b2, (C,), "b2")]
        flat = []
        for value, shape, name in parts:
            arr = np.asarray(value, dtype=np.float64)
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            flat.append(arr.ravel())
        return np.concatenate(flat)

    def hidden_index(self) -> NDArray[np.intp]:
        """(H, K+1) flat indices of the parameters feeding hidden unit j: W1[j, :], then b1[j]."""
        K, H = self.n_in, self.n_hidden
        idx = np.empty((H, K + 1), dtype=np.intp)
        idx[:, :K] = np.arange(H * K).reshape(H, K)
        idx[:, K] = H * K + np.arange(H)
        return idx

    def output_index(self) -> NDArray[np.intp]:
        """(C, H) flat indices of W2[c, j]."""
        _, o_w2, o_b2, _ = self._offsets()
        return np.arange(o_w2, o_b2).reshape(self.n_out, self.n_hidden)

    # ------------------------------------------------------------------ forward
    def forward(self, w: FloatArray, X: FloatArray) -> Forward:
        """h = tanh(X W1ᵀ + b1), o = h W2ᵀ + b2, p = softmax(o) (max-shifted, overflow-safe)."""
        W1, b1, W2, b2 = self.unpack(w)
        h = np.tanh(X @ W1.T + b1)
        logits = h @ W2.T + b2
        if self.n_out == 2:  # softmax of two = logistic of the difference (4x faster)
            d = logits[:, 1] - logits[:, 0]
            proba = np.empty_like(logits)
            proba[:, 1] = expit(d)
            proba[:, 0] = expit(-d)
            return Forward(X=X, h=h, logits=logits, proba=proba)
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        proba = e / e.sum(axis=1, keepdims=True)
        return Forward(X=X, h=h, logits=logits, proba=proba)

    def predict_proba(self, w: ArrayLike, X: ArrayLike) -> FloatArray:
        """softmax probabilities p (N, C) for the rows of X."""
        return self.forward(self.check_params(w), self.check_inputs(X)).proba

    def p1(self, w: ArrayLike, X: ArrayLike) -> FloatArray:
        """Scores s_d = p_1(W; x_d), the positive-class probability, shape (N,)."""
        return self.predict_proba(w, X)[:, 1]

    # ------------------------------------------------------------------ first order
    def backprop(self, w: FloatArray, fwd: Forward, G: FloatArray) -> FloatArray:
        """Vector-Jacobian product Σ_{d,c} G_dc ∇_w o_dc for a cotangent G (N, C) on the logits."""
        _, _, W2, _ = self.unpack(w)
        da = (G @ W2) * (1.0 - fwd.h * fwd.h)
        return np.concatenate(
            [(da.T @ fwd.X).ravel(), da.sum(axis=0), (G.T @ fwd.h).ravel(), G.sum(axis=0)]
        )

    def jacobian(self, w: FloatArray, fwd: Forward, G: FloatArray) -> FloatArray:
        """Per-sample rows J[d] = Σ_c G_dc ∇_w o_dc, shape (N, n_params).

        With G = ∂s/∂o (see :meth:`p1_cotangent`) this is the Jacobian of the scores; with
        G = e_c - e_0 it is the Jacobian of the logit difference o_c - o_0.
        """
        _, _, W2, _ = self.unpack(w)
        N = fwd.X.shape[0]
        K, H, C = self.n_in, self.n_hidden, self.n_out
        da = (G @ W2) * (1.0 - fwd.h * fwd.h)
        J = np.empty((N, self.n_params))
        o_b1, o_w2, o_b2, _ = self._offsets()
        J[:, :o_b1] = (da[:, :, None] * fwd.X[:, None, :]).reshape(N, H * K)
        J[:, o_b1:o_w2] = da
        J[:, o_w2:o_b2] = (G[:, :, None] * fwd.h[:, None, :]).reshape(N, C * H)
        J[:, o_b2:] = G
        return J

    @staticmethod
    def p1_cotangent(fwd: Forward) -> FloatArray:
        """∂p_1/∂o_c = p_1 (δ_1c − p_c), shape (N, C)."""
        p = fwd.proba
        q = -p * p[:, 1:2]
        q[:, 1] += p[:, 1]
        return q

    # ------------------------------------------------------------------ second order
    def second_order(self, w: FloatArray, fwd: Forward, G: FloatArray) -> FloatArray:
        """Σ_{d,c} G_dc ∇²_w o_dc: the exact curvature of the network itself, (P, P).

        o_dc = Σ_j W2[c, j] tanh(θ_j · x̃_d) + b2[c] with θ_j = (W1[j, :], b1[j]) and
        x̃ = (x, 1). Its only non-zero second derivatives are

        * ∂²o_dc/∂θ_jk ∂θ_jl = W2[c, j] tanh''(a_dj) x̃_dk x̃_dl (same hidden unit j only),
          tanh'' = −2 h (1 − h²);
        * ∂²o_dc/∂W2[c, j] ∂θ_jk = (1 − h_dj²) x̃_dk.
        """
        _, _, W2, _ = self.unpack(w)
        K, H, C = self.n_in, self.n_hidden, self.n_out
        P = self.n_params
        h = fwd.h
        dh = 1.0 - h * h
        Xt = np.concatenate([fwd.X, np.ones((fwd.X.shape[0], 1))], axis=1)
        U = (G @ W2) * (-2.0 * h * dh)  # (N, H)
        Hm = np.zeros((P, P))
        hid = self.hidden_index()
        out = self.output_index()
        # A[j, k, l] = Σ_d U_dj x̃_dk x̃_dl: all H diagonal blocks in one matmul
        A = (U.T[:, None, :] * Xt.T[None, :, :]) @ Xt  # (H, K+1, K+1)
        Hm[hid[:, :, None], hid[:, None, :]] = A
        # B[c, j, k] = Σ_d G_dc (1 − h_dj²) x̃_dk
        B = ((G.T[:, :, None] * dh[None, :, :]).transpose(0, 2, 1) @ Xt)  # (C, H, K+1)
        rows = np.broadcast_to(out[:, :, None], (C, H, K + 1))
        cols = np.broadcast_to(hid[None, :, :], (C, H, K + 1))
        Hm[rows, cols] = B
        Hm[cols, rows] = B
        return Hm
