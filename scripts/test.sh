#!/usr/bin/env bash
# The README's test command: install the package with its test extras, lint, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -e ".[test]"
python3 -m ruff check src tests benchmarks examples
python3 -m pytest -q
