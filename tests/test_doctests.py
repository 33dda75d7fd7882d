"""Every ``>>>`` example in the package's docstrings runs and prints what it says (a
docstring example that never runs is a defect). Framework modules are skipped where the
framework is not installed."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aucscape

MODULES = sorted(m.name for m in pkgutil.walk_packages(aucscape.__path__, "aucscape.")
                 if not m.name.endswith("__main__"))
FRAMEWORKS = {"torch": "torch", "keras": "keras", "jax": "jax"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    part = name.split(".")[1]
    if part in FRAMEWORKS:
        pytest.importorskip(FRAMEWORKS[part])
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_package_has_examples():
    finder = doctest.DocTestFinder()
    n = sum(len(t.examples) for name in MODULES if name.split(".")[1] not in FRAMEWORKS
            for t in finder.find(importlib.import_module(name)))
    assert n >= 100
