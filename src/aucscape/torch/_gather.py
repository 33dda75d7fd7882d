"""Pairs across processes: all-gather a batch over the default process group.

A pairwise loss on each rank's slice of a distributed batch misses every pair whose
positive and negative sit on different ranks. ``gather=True`` on the torch losses
concatenates scores, labels and weights of all ranks (rank order) before the loss, so
every rank computes the same loss L of the global batch. The scores go through
:class:`_AllGather`, whose backward sums (all-reduce) the gradients that every rank
computes for the gathered batch and hands each rank its own slice: rank r receives
W · ∂L/∂s_r (W the world size, every rank having computed the same L). DDP averages the
parameter gradients over the ranks, which divides that factor out again: after
``backward`` the parameters hold exactly ∂L/∂θ of the single-process loss on the global
batch. Labels and weights carry no gradient and are gathered plainly.

Ranks may hold batches of different lengths (the last batch of an epoch): the lengths
are gathered first, every slice is padded to the longest and trimmed after the gather.
Every rank must call the loss (and ``backward``) the same number of times: both are
collective operations.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _world() -> int:
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise ValueError("gather=True needs an initialised torch.distributed process group "
                         "(torch.distributed.init_process_group)")
    return dist.get_world_size()


class _AllGather(torch.autograd.Function):
    """(W, n, ...) stack of every rank's ``x``; backward: all-reduce sum, own slice."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        import torch.distributed as dist

        x = x.contiguous()
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x)
        ctx.rank = dist.get_rank()
        return torch.stack(parts)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        import torch.distributed as dist

        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank]


def gather_batch(scores: Tensor, *others: Tensor) -> tuple[Tensor, ...]:
    """(scores, *others) of every rank concatenated along dim 0, in rank order.

    ``scores`` keeps its gradient (see the module docstring); ``others`` (labels,
    weights) are gathered without one. All tensors share their length along dim 0.
    """
    import torch.distributed as dist

    world = _world()
    if world == 1:
        return (scores, *others)
    n = scores.shape[0]
    sizes = [torch.zeros(1, dtype=torch.long, device=scores.device) for _ in range(world)]
    dist.all_gather(sizes, torch.tensor([n], dtype=torch.long, device=scores.device))
    lengths = [int(t) for t in sizes]
    longest = max(lengths)

    def pad(t: Tensor) -> Tensor:
        if t.shape[0] == longest:
            return t.contiguous()
        fill = t.new_zeros((longest - t.shape[0], *t.shape[1:]))
        return torch.cat([t, fill])

    parts = _AllGather.apply(pad(scores))
    out = [torch.cat([p[:k] for p, k in zip(parts, lengths, strict=True)])]
    for t in others:
        plain = t.detach()
        as_int = plain.dtype == torch.bool  # gloo has no bool collectives
        padded = pad(plain.to(torch.uint8) if as_int else plain)
        bufs = [torch.empty_like(padded) for _ in range(world)]
        dist.all_gather(bufs, padded)
        joined = torch.cat([b[:k] for b, k in zip(bufs, lengths, strict=True)])
        out.append(joined.bool() if as_int else joined)
    return tuple(out)
