"""Checks of ``aucscape.keras.StreamingAUC`` on the backend named by ``KERAS_BACKEND``.

Run by ``tests/test_keras_metric.py`` once per backend in a subprocess (Keras fixes its
backend at import). References: the NumPy ``aucscape.streaming.StreamingAUC`` (binned,
same bins) and the exact ``aucscape.metrics.roc_auc``. Prints one line per passed check
group and exits non-zero on the first failure.
"""

from __future__ import annotations

from itertools import pairwise

import keras
import numpy as np

from _checks import expect_value_errors
from aucscape.keras import StreamingAUC
from aucscape.metrics import roc_auc
from aucscape.streaming import StreamingAUC as CoreStreamingAUC

BACKEND = keras.backend.backend()
TOL = 2e-6  # float32 histograms and sums


def feed(metric, y, s, w, cuts):
    for a, b in pairwise(cuts):
        ww = None if w is None else w[a:b]
        if isinstance(metric, CoreStreamingAUC):
            metric.update(y[a:b], s[a:b], ww)
        else:
            metric.update_state(y[a:b].astype("float32"), s[a:b].astype("float32"), ww)
    return metric


def check_eager_against_core() -> None:
    rng = np.random.default_rng(0)
    n, n_bins = 400, 32
    cuts = [0, 100, 101, 250, n]
    for n_labels, average in [(None, "macro"), (3, "macro"), (3, "weighted"), (3, "micro"),
                              (3, None)]:
        shape = (n,) if n_labels is None else (n, n_labels)
        y = (rng.random(shape) < 0.3).astype(float)
        centres = (rng.integers(0, n_bins, shape) + 0.5) / n_bins  # no score on an edge
        w = rng.exponential(size=n)
        ours = feed(StreamingAUC(n_bins, num_labels=n_labels, average=average), y, centres,
                    w, cuts)
        core = feed(CoreStreamingAUC(n_bins=n_bins, average=average), y, centres, w, cuts)
        np.testing.assert_allclose(np.asarray(ours.result()), core.compute(), atol=TOL)
        np.testing.assert_allclose(np.asarray(ours.error_bound()), core.error_bound(),
                                   atol=TOL)
        s = rng.random(shape) * 1.4 - 0.2  # continuous, some outside (0, 1)
        m = feed(StreamingAUC(n_bins, num_labels=n_labels, average=average), y, s, w, cuts)
        exact = roc_auc(y, s, sample_weight=w, average=average)
        gap = np.abs(np.asarray(m.result(), dtype=np.float64) - exact)
        assert np.all(gap <= np.asarray(m.error_bound(), dtype=np.float64) + TOL), average
        m.reset_state()
        assert float(np.sum(np.asarray(m.pos_hist))) == 0.0
    print(f"[{BACKEND}] eager: equals the NumPy binned AUC and bound, within bound of exact")


def check_compiled_evaluate_and_config() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * rng.normal(size=600) > 0.8).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    metric = StreamingAUC(n_bins=256, from_logits=True)
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=[metric],
                  jit_compile=BACKEND != "torch")
    logits = model.predict(x, batch_size=600, verbose=0)[:, 0].astype(np.float64)
    got = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)["streaming_auc"]
    core = feed(CoreStreamingAUC(n_bins=256, from_logits=True), y, logits, None,
                [*range(0, 600, 64), 600])
    assert abs(got - core.compute()) <= 1e-5, (got, core.compute())
    assert abs(got - roc_auc(y, logits)) <= core.error_bound() + 1e-5
    clone = StreamingAUC.from_config(metric.get_config())
    assert (clone.n_bins, clone.from_logits, clone.average) == (256, True, "macro")
    expect_value_errors([
        (lambda: StreamingAUC(n_bins=0), "n_bins"),
        (lambda: StreamingAUC(num_labels=0), "num_labels"),
        (lambda: StreamingAUC(average="samples"), "average"),
        (lambda: StreamingAUC(score_range=(1, 1)), "score_range"),
    ])
    print(f"[{BACKEND}] compiled evaluate equals the NumPy binned AUC; config; errors")


if __name__ == "__main__":
    check_eager_against_core()
    check_compiled_evaluate_and_config()
    print(f"[{BACKEND}] streaming metric checks passed")
