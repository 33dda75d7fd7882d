"""``StreamingAUROC.sync`` across 2 local processes (``torch.distributed``, gloo, CPU):
after each rank updates with its own shard and syncs, ``compute`` on every rank equals
``roc_auc`` of all shards together (exact mode) and the NumPy binned AUC of all shards
(binned mode), including a rank that saw no batch."""

from __future__ import annotations

import json
import socket
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = torch.distributed


def _data():
    rng = np.random.default_rng(3)
    y = rng.random((120, 3)) < 0.3
    s = np.round(rng.random((120, 3)), 2)  # ties within and across ranks
    w = rng.exponential(size=120)
    return y, s, w


def _worker(rank: int, world: int, port: int, out: str) -> None:
    from aucscape.torch import StreamingAUROC

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        y, s, w = _data()
        results = {}
        for mode in ("exact", "binned"):
            for average in ("macro", None):
                m = StreamingAUROC(mode, n_bins=16, average=average)
                shard = slice(0, 70) if rank == 0 else slice(70, 120)
                for a in range(shard.start, shard.stop, 25):
                    b = min(a + 25, shard.stop)
                    m.update(torch.tensor(s[a:b]), torch.tensor(y[a:b]), torch.tensor(w[a:b]))
                m.sync()
                results[f"{mode}-{average}"] = np.asarray(m.compute()).tolist()
        empty = StreamingAUROC("binned", n_bins=16)  # rank 1 sees nothing
        if rank == 0:
            empty.update(torch.tensor(s[:, 0]), torch.tensor(y[:, 0]))
        empty.sync()
        results["binned-empty-rank"] = float(empty.compute())
        with open(f"{out}.{rank}", "w") as f:
            json.dump(results, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is unavailable")
def test_sync_two_gloo_processes(tmp_path):
    from aucscape.metrics import roc_auc
    from aucscape.streaming import StreamingAUC

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = str(tmp_path / "result")
    torch.multiprocessing.spawn(_worker, args=(2, port, out), nprocs=2, join=True)
    y, s, w = _data()
    for rank in (0, 1):
        with open(f"{out}.{rank}") as f:
            got = json.load(f)
        for average in ("macro", None):
            exact = roc_auc(y, s, sample_weight=w, average=average)
            np.testing.assert_allclose(got[f"exact-{average}"], exact, rtol=0, atol=1e-12)
            core = StreamingAUC(n_bins=16, average=average)
            core.update(y, s, w)
            np.testing.assert_allclose(got[f"binned-{average}"], core.compute(), rtol=0,
                                       atol=1e-12)
        core = StreamingAUC(n_bins=16)
        core.update(y[:, 0], s[:, 0])
        assert abs(got["binned-empty-rank"] - core.compute()) <= 1e-12


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
