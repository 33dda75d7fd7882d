"""Keras multi-label / multi-class losses, one subprocess per backend (keras_multilabel_check)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = Path(__file__).with_name("keras_multilabel_check.py")


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_multilabel_losses_on_backend(backend: str) -> None:
    pytest.importorskip("keras")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run([sys.executable, str(CHECK)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"[{backend}] all multi-label checks passed" in proc.stdout
