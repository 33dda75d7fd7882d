"""``aucscape.keras.StreamingAUC`` on the TensorFlow, JAX and torch backends (a subprocess
per backend runs ``tests/keras_metric_check.py``: eager and compiled results against the
NumPy binned AUC and the exact AUC within the stated bound)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_streaming_metric_on_backend(backend: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("OMP_NUM_THREADS", "1")
    script = Path(__file__).with_name("keras_metric_check.py")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"[{backend}] streaming metric checks passed" in proc.stdout
