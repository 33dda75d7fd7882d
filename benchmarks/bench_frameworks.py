"""Benchmark: one training step with aucscape.torch / aucscape.jax losses vs the naive broadcast.

A training step = MLP forward (30 → 32 → 1, tanh), the loss on the logits
(``from_logits=True``), backward, SGD update; batches of B samples with 10 % positives.
Losses: our sigmoid (blocked, β = 40) and hinge (sorted, O(B log B)) against the naive
pairwise loss most tutorials give, the broadcast over the pair matrix:

* torch: ``z = s[y == 1][:, None] − s[y == 0][None, :]; σ(−βz).mean()`` (NP × NN);
* jax (fixed shapes under ``jit``): ``Σ m_pn σ(−β(s_i − s_j)) / Σ m_pn`` over the full
  B × B matrix with the pair mask m.

Torch runs on ``--torch-threads`` threads (default 1), JAX on XLA's default CPU pool.
Memory: peak resident-set growth during the timed steps (Linux VmHWM after resetting it
through /proc/self/clear_refs), in MiB. A naive run is skipped ("skip") when its pair
matrices would need more than ``--naive-max-gb`` (default 2 GB: about four float32
matrices of the broadcast shape live at once). The "speed-up" column is naive / ours.

    python benchmarks/bench_frameworks.py                       # B = 256, 4096, 65536
    python benchmarks/bench_frameworks.py --sizes 256 4096 --frameworks torch
    python benchmarks/bench_frameworks.py --core 100000          # front ends vs the core

``--core N`` instead times the loss value + gradient alone on N scores (10 % positives,
probabilities, β = 40) for sigmoid, tanh and logistic: the NumPy core
(``pairwise_loss(..., return_grad=True)``, float64, numba when installed) against
``aucscape.torch`` (float32, loss + backward) and ``aucscape.jax`` (float32, jitted
value_and_grad), all in the same run, with the ratio front end / core.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

N_FEATURES, N_HIDDEN, POS_FRACTION, BETA, LR = 30, 32, 0.1, 40.0, 0.1


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _measure(step: Callable[[], None], repeat: int) -> tuple[float, float | None]:
    """Best wall time of ``step`` (after two warm-up calls) and peak extra RSS in MiB."""
    step()
    step()
    can_reset = _reset_peak()
    base = _rss_kib("VmRSS:")
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    peak = (_rss_kib("VmHWM:") - base) / 1024 if can_reset else None
    return best, peak


def _data(b: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(b, N_FEATURES)).astype(np.float32)
    y = np.zeros(b, np.int64)
    y[rng.choice(b, max(1, int(POS_FRACTION * b)), replace=False)] = 1
    return X, y


# ---------------------------------------------------------------------------- torch
def torch_steps(b: int, include_naive: bool) -> dict[str, Callable[[], None]]:
    import torch

    import aucscape.torch as at

    torch.manual_seed(0)
    X, y = _data(b)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    model = torch.nn.Sequential(torch.nn.Linear(N_FEATURES, N_HIDDEN), torch.nn.Tanh(),
                                torch.nn.Linear(N_HIDDEN, 1))
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def naive(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(logits.reshape(-1))
        z = s[target == 1][:, None] - s[target == 0][None, :]
        return torch.sigmoid(-BETA * z).mean()

    losses = {
        "sigmoid": at.SigmoidAUCLoss(beta=BETA, from_logits=True),
        "hinge": at.HingeAUCLoss(from_logits=True),
    }
    if include_naive:
        losses["naive sigmoid"] = naive

    def make(loss_fn):
        def step() -> None:
            opt.zero_grad()
            loss_fn(model(Xt), yt).backward()
            opt.step()

        return step

    return {name: make(fn) for name, fn in losses.items()}


# ------------------------------------------------------------------------------ jax
def jax_steps(b: int, include_naive: bool) -> dict[str, Callable[[], None]]:
    import jax
    import jax.numpy as jnp

    import aucscape.jax as aj

    X, y = _data(b)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    rng = np.random.default_rng(1)
    params = {
        "w1": jnp.asarray(rng.normal(0, N_FEATURES**-0.5, (N_FEATURES, N_HIDDEN)), jnp.float32),
        "b1": jnp.zeros(N_HIDDEN),
        "w2": jnp.asarray(rng.normal(0, N_HIDDEN**-0.5, (N_HIDDEN,)), jnp.float32),
        "b2": jnp.zeros(()),
    }

    def forward(p, x):
        return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    def naive(yt, logits):
        s = jax.nn.sigmoid(logits)
        pair = (yt[:, None] == 1) & (yt[None, :] == 0)
        ell = jax.nn.sigmoid(-BETA * (s[:, None] - s[None, :]))
        return jnp.sum(jnp.where(pair, ell, 0.0)) / jnp.sum(pair)

    losses = {
        "sigmoid": lambda yt, lg: aj.pairwise_auc_loss(yt, lg, surrogate="sigmoid", beta=BETA,
                                                       from_logits=True),
        "hinge": lambda yt, lg: aj.pairwise_auc_loss(yt, lg, surrogate="hinge",
                                                     from_logits=True),
    }
    if include_naive:
        losses["naive sigmoid"] = naive

    def make(loss_fn):
        @jax.jit
        def update(p, x, yt):
            grads = jax.grad(lambda q: loss_fn(yt, forward(q, x)))(p)
            return jax.tree_util.tree_map(lambda a, g: a - LR * g, p, grads)

        state = {"p": params}

        def step() -> None:
            state["p"] = jax.block_until_ready(update(state["p"], Xj, yj))

        return step

    return {name: make(fn) for name, fn in losses.items()}


# ------------------------------------------------------------------- front ends vs core
def core_table(n: int, repeat: int, frameworks: list[str]) -> None:
    """Loss + gradient on n scores: NumPy core vs torch vs JAX, ratios in the same run."""
    from aucscape.pairwise import pairwise_loss

    rng = np.random.default_rng(0)
    y = rng.random(n) < POS_FRACTION
    s = rng.random(n)
    print(f"{'surrogate':<10} {'backend':<8} {'N':>7} {'s/call':>9} {'vs core':>8}")
    for name in ("sigmoid", "tanh", "logistic"):
        def core(name: str = name) -> None:
            pairwise_loss(y, s, name, beta=BETA, return_grad=True)

        core_t = _measure(core, repeat)[0]
        print(f"{name:<10} {'numpy':<8} {n:>7} {core_t:>9.3f} {'1.00x':>8}")
        for fw in frameworks:
            step = _core_step(fw, y, s, name)
            t = _measure(step, repeat)[0]
            print(f"{name:<10} {fw:<8} {n:>7} {t:>9.3f} {t / core_t:>7.2f}x")


def _core_step(fw: str, y: np.ndarray, s: np.ndarray, name: str) -> Callable[[], None]:
    if fw == "torch":
        import torch

        import aucscape.torch as at

        yt = torch.tensor(y)
        st = torch.tensor(s, dtype=torch.float32, requires_grad=True)

        def step() -> None:
            st.grad = None
            at.pairwise_auc_loss(st, yt, name, beta=BETA).backward()

        return step
    import jax
    import jax.numpy as jnp

    import aucscape.jax as aj

    yj, sj = jnp.asarray(y), jnp.asarray(s, jnp.float32)
    f = jax.jit(jax.value_and_grad(
        lambda u: aj.pairwise_auc_loss(yj, u, surrogate=name, beta=BETA)))
    return lambda: jax.block_until_ready(f(sj))


# ----------------------------------------------------------------------------- main
def _naive_bytes(framework: str, b: int) -> float:
    n_pos = max(1, int(POS_FRACTION * b))
    pairs = n_pos * (b - n_pos) if framework == "torch" else b * b
    return 4.0 * 4 * pairs  # ~4 float32 matrices of the broadcast shape at once


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 4096, 65536])
    parser.add_argument("--frameworks", nargs="+", default=["torch", "jax"],
                        choices=["torch", "jax"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-max-gb", type=float, default=2.0)
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch.set_num_threads (1: steady timings on a shared machine)")
    parser.add_argument("--core", type=int, default=None, metavar="N",
                        help="time loss + gradient on N scores against the NumPy core")
    args = parser.parse_args(argv)
    if "torch" in args.frameworks:
        import torch

        torch.set_num_threads(args.torch_threads)
    if args.core is not None:
        core_table(args.core, args.repeat, args.frameworks)
        return
    builders = {"torch": torch_steps, "jax": jax_steps}
    header = (f"{'framework':<9} {'B':>6} {'loss':<14} {'ms/step':>10} {'peak MiB':>9} "
              f"{'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for fw in args.frameworks:
        for b in args.sizes:
            fits = _naive_bytes(fw, b) <= args.naive_max_gb * 1e9
            steps = builders[fw](b, include_naive=fits)
            repeat = args.repeat if b <= 4096 else 1
            results = {name: _measure(step, repeat) for name, step in steps.items()}
            naive_t = results.get("naive sigmoid", (None, None))[0]
            for name, (t, peak) in results.items():
                ratio = f"{naive_t / t:8.1f}x" if naive_t and name == "sigmoid" else ""
                mem = f"{peak:9.1f}" if peak is not None else f"{'n/a':>9}"
                print(f"{fw:<9} {b:>6} {name:<14} {1e3 * t:>10.2f} {mem} {ratio:>9}")
            if not fits:
                gb = _naive_bytes(fw, b) / 1e9
                print(f"{fw:<9} {b:>6} {'naive sigmoid':<14} {'skip':>10}"
                      f"  (needs ~{gb:.0f} GB > {args.naive_max_gb:g} GB)")


if __name__ == "__main__":
    main()
