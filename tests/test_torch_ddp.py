"""gather=True under DDP: 2 gloo processes on 127.0.0.1 equal one process on the whole batch.

Each rank holds a different-length slice of one global batch (9 and 7 rows); the losses
gather scores, labels and weights across the ranks, DDP averages the gradients. The loss,
the parameters' gradients, AUC-M's a, b, α and one PESG step must equal those of a single
process on the concatenated batch (to 1e-6), and be identical on both ranks.
"""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

WORLD = 2
SPLIT = (9, 7)  # rows on rank 0 and rank 1


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(sum(SPLIT), 5, generator=g, dtype=torch.float64)
    y = (torch.rand(sum(SPLIT), 3, generator=g) < 0.4).to(torch.int8)
    y[0, 2] = -1
    y[12, 0] = -1
    w = torch.rand(sum(SPLIT), generator=g, dtype=torch.float64) + 0.5
    return x, y, w


def _cases():
    import aucscape.torch as at

    return {
        "sigmoid_single": (lambda: at.SigmoidAUCLoss(10.0, from_logits=True, gather=True),
                           lambda y: y[:, 0].clamp(min=0), True),
        "hinge_single": (lambda: at.HingeAUCLoss(beta=4.0, from_logits=True, gather=True),
                         lambda y: y[:, 1], False),
        "sigmoid_multilabel": (lambda: at.MultiLabelAUCLoss(beta=10.0, from_logits=True,
                                                            gather=True), lambda y: y, True),
        "squared_hinge_multilabel": (lambda: at.MultiLabelAUCLoss(
            "squared_hinge", beta=4.0, from_logits=True, gather=True), lambda y: y, False),
        "multiclass_ovo": (lambda: at.MultiClassAUCLoss(beta=10.0, multi_class="ovo",
                                                        from_logits=True, gather=True),
                           lambda y: y[:, 0].clamp(min=0) + y[:, 1].clamp(min=0), True),
        "aucm_multilabel": (lambda: at.AUCMLoss(num_labels=3, from_logits=True, gather=True),
                            lambda y: y, True),
    }


def _run(name, rank, world):
    """(loss, parameter gradients, parameters after one PESG step) of this process."""
    import aucscape.torch as at

    make_loss, target_of, weighted = _cases()[name]
    x, y, w = _data()
    if world > 1:
        lo = sum(SPLIT[:rank])
        x, y, w = x[lo:lo + SPLIT[rank]], y[lo:lo + SPLIT[rank]], w[lo:lo + SPLIT[rank]]
    torch.manual_seed(1)
    model = torch.nn.Linear(5, 3).double()
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    loss_fn = make_loss().double()
    loss_fn.gather = world > 1  # one process: the plain loss (gather needs a group)
    out = net(x)
    target = target_of(y)
    scores = out[:, 0] if target.ndim == 1 and name.endswith("single") else out
    loss = loss_fn(scores, target, w if weighted else None)
    params = [*model.parameters(), *loss_fn.parameters()]
    opt = at.PESG(model.parameters(), loss_fn=loss_fn if name.startswith("aucm") else None,
                  lr=0.5)
    opt.zero_grad()
    loss.backward()
    grads = [p.grad.detach().clone() for p in params]
    opt.step()
    return float(loss.detach()), grads, [p.detach().clone() for p in params]


def _worker(rank, port, path):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=WORLD)
    try:
        torch.save({name: _run(name, rank, WORLD) for name in _cases()}, f"{path}.{rank}")
    finally:
        dist.destroy_process_group()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ddp") / "out")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.multiprocessing.spawn(_worker, args=(_free_port(), path), nprocs=WORLD, join=True)
    return [torch.load(f"{path}.{r}") for r in range(WORLD)]


@pytest.mark.parametrize("name", list(_cases()))
def test_ddp_with_gather_equals_one_process_on_the_global_batch(ranks, name):
    ref_loss, ref_grads, ref_after = _run(name, 0, 1)
    assert any(bool(g.abs().max() > 1e-3) for g in ref_grads)  # a real gradient
    for got in ranks:
        loss, grads, after = got[name]
        assert loss == pytest.approx(ref_loss, abs=1e-6)
        for g, rg in zip(grads, ref_grads, strict=True):
            np.testing.assert_allclose(g.numpy(), rg.numpy(), atol=1e-6)
        for p, rp in zip(after, ref_after, strict=True):
            np.testing.assert_allclose(p.numpy(), rp.numpy(), atol=1e-6)
    for a, b in zip(ranks[0][name][2], ranks[1][name][2], strict=True):
        assert torch.equal(a, b)  # both ranks hold the same parameters (a, b, α included)


def test_without_gather_the_ranks_lose_the_pairs_across_them():
    """The premise: per-rank losses of the slices differ from the global one."""
    import aucscape.torch as at

    x, y, _ = _data()
    loss = at.SigmoidAUCLoss(10.0)
    s = x[:, 0]
    whole = float(loss(s, y[:, 1]))
    halves = [float(loss(s[:9], y[:9, 1])), float(loss(s[9:], y[9:, 1]))]
    assert all(abs(h - whole) > 1e-3 for h in halves)
