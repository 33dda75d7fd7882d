"""``aucscape demo``: every surrogate loss on the shipped credit-card data, in seconds.

Fits a linear scorer (L2-regularised logistic regression, scipy L-BFGS) on the training
split of the shipped 10 % fraud subset, then evaluates the exact test AUC and every
registered pairwise surrogate risk, value and gradient, with the algorithm and time each
one used. It shows what the losses measure without any landscape run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import minimize

from ._common import add_parser, check_flag

EPILOG = """examples:
  aucscape demo
  aucscape demo --beta 10 --seed 3
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "demo",
                   help="evaluate every AUC surrogate on the shipped credit-card data (seconds)",
                   doc=__doc__, epilog=EPILOG)
    p.add_argument("--beta", type=float, default=40.0, help="steepness β (default 40)")
    p.add_argument("--seed", type=int, default=0, help="train/test split seed (default 0)")
    p.set_defaults(func=run)


def _fit_logistic(X: np.ndarray, y: np.ndarray, lam: float = 1e-3) -> np.ndarray:
    """Minimise mean log-loss + lam ||w||^2 of a linear model with bias."""
    Xb = np.hstack([X, np.ones((X.shape[0], 1))])
    sign = 2.0 * y - 1.0

    def fun(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = sign * (Xb @ w)
        loss = np.mean(np.logaddexp(0.0, -m)) + lam * w @ w
        g = Xb.T @ (-sign * 0.5 * (1 - np.tanh(m / 2))) / len(y) + 2 * lam * w
        return float(loss), g

    return minimize(fun, np.zeros(Xb.shape[1]), jac=True, method="L-BFGS-B").x


def run(args: argparse.Namespace) -> int:
    from ..data import credit_card
    from ..metrics import roc_auc
    from ..pairwise import pairwise_loss
    from ..surrogates import SURROGATES

    check_flag(args.beta, "--beta", minimum=0, strict=True)
    check_flag(args.seed, "--seed", minimum=0)
    ds = credit_card(seed=args.seed)
    w = _fit_logistic(ds.X_train, ds.y_train)
    logits = np.hstack([ds.X_test, np.ones((ds.n_test, 1))]) @ w
    scores = 1.0 / (1.0 + np.exp(-logits))
    auc = roc_auc(ds.y_test, scores)
    print(f"{ds.summary()}")
    print(f"linear scorer (logistic regression): exact test AUC = {auc:.6f}\n")
    header = f"{'surrogate':<14}{'AUC-consistent':>15}{'risk':>14}{'|grad|':>12}{'ms':>9}"
    print(header)
    print("-" * len(header))
    for name, sur in SURROGATES.items():
        t0 = time.perf_counter()
        value, grad = pairwise_loss(ds.y_test, scores, name, beta=args.beta, return_grad=True)
        ms = 1e3 * (time.perf_counter() - t0)
        consistent = "yes" if sur.consistent else "no"
        print(f"{name:<14}{consistent:>15}{value:>14.6g}{np.linalg.norm(grad):>12.3g}{ms:>9.2f}")
    print(f"\nsigmoid risk is 1 - smoothed AUC: 1 - risk ~ {auc:.4f} as beta grows")
    return 0
