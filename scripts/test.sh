#!/usr/bin/env bash
# The README's test command (CI runs exactly this): install the package with its test
# extras and every framework the front-end tests need, lint, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -e ".[test]"
# Frameworks for aucscape.keras / .torch / .jax. torch is pinned to the CPU build that
# these machines carry (a bare "torch" would pull several GB of CUDA wheels).
python3 -m pip install "torch==2.13.0" "jax[cpu]>=0.4" "keras>=3.0" "tensorflow-cpu>=2.16"
python3 -m ruff check src tests benchmarks examples
python3 -m pytest -q
