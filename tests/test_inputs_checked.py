"""Inputs checked before any work: sizes that cannot fit, λ = 0, and which errors main reports.

Each refusal: exit status 2, one line naming the flag or argument, no file left behind.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from aucscape._validation import check_positive
from aucscape.cli import CLIError, is_input_error, main
from aucscape.data import spiral
from aucscape.objectives import make_objective
from aucscape.objectives.factory import check_network_size
from aucscape.spectrum import hessian_spectrum


def _refused(capsys, tmp_path, *argv: str) -> str:
    rc = main(list(argv))
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert rc == 2 and len(lines) == 1, out.err
    assert lines[0].startswith(f"aucscape {argv[0]}: error: ")
    assert list(tmp_path.iterdir()) == []  # nothing written
    return lines[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_hidden_that_cannot_fit_exits_2_before_any_file(workers, capsys, tmp_path):
    db = str(tmp_path / "big.db")
    line = _refused(capsys, tmp_path, "explore", "--hidden", "1000000000", "--db", db,
                    "--steps", "1", "--workers", workers)
    assert "--hidden = 1000000000" in line and "GiB" in line


def test_lambda_zero_is_refused_with_the_reason(capsys, tmp_path):
    line = _refused(capsys, tmp_path, "explore", "--lam", "0", "--steps", "1",
                    "--db", str(tmp_path / "flat.db"))
    assert "--lam 0" in line and "positive-definite" in line


def test_make_objective_checks_size_and_warns_on_lambda_zero():
    ds = spiral(points_per_arm=20)
    with pytest.raises(ValueError, match=r"hidden = 1000000000 .* GiB"):
        make_objective(ds, "ce", hidden=10**9)
    for bad in (True, 2.5, "10"):
        with pytest.raises(ValueError, match="hidden must be an integer"):
            make_objective(ds, "ce", hidden=bad)
    with pytest.raises(ValueError, match="hidden must be an integer >= 1, got 0"):
        make_objective(ds, "ce", hidden=0)
    with pytest.warns(UserWarning, match="positive-definite"):
        make_objective(ds, "ce", hidden=3, lam=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_objective(ds, "ce", hidden=3, lam=1e-5)  # no warning at the default


def test_size_rule_is_the_hessian_bytes():
    """8·(3P² + 2NP) bytes against the memory given: P = 10·(2 + 2) + 10 + 2 = 52."""
    need = 8 * (3 * 52**2 + 2 * 150 * 52)
    assert check_network_size(2, 10, 150, memory=need) == 10
    with pytest.raises(ValueError, match="net = 10"):
        check_network_size(2, 10, 150, memory=need - 1, name="net")


@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_lambda_zero_reason_holds(loss):
    """Without weight decay the H + 1 logit-shift directions are flat: eigenvalues ~ 0."""
    hidden = 3
    with pytest.warns(UserWarning):
        obj = make_objective(spiral(points_per_arm=20), loss, hidden=hidden, lam=0.0)
    w = obj.random_point(np.random.default_rng(0)) * 2.0
    lam = hessian_spectrum(obj.hessian(w)).eigenvalues
    scale = np.abs(lam).max()
    assert np.sum(np.abs(lam) < 1e-12 * scale) >= hidden + 1
    # the same directions carry 2λ with weight decay on
    with_decay = make_objective(spiral(points_per_arm=20), loss, hidden=hidden, lam=1e-3)
    lam_d = np.sort(hessian_spectrum(with_decay.hessian(w)).eigenvalues)
    np.testing.assert_allclose(
        np.sort(lam_d[np.abs(lam_d - 2e-3) < 1e-9]), 2e-3, rtol=1e-6)
    assert np.sum(np.abs(lam_d - 2e-3) < 1e-9) >= hidden + 1


def _raise_numpy(args):
    np.empty(10**30)  # ValueError raised inside NumPy: a bug, not a user input


def _raise_own(args):
    check_positive(-1.0, "--thing")  # a raise statement of the package's own checks


def test_main_reports_own_errors_and_lets_library_errors_through(monkeypatch, capsys):
    import aucscape.cli.analyze as analyze

    monkeypatch.setattr(analyze, "run", _raise_own)
    assert main(["analyze", "--db", "x.db"]) == 2
    assert "--thing" in capsys.readouterr().err
    monkeypatch.setattr(analyze, "run", _raise_numpy)
    with pytest.raises(ValueError, match="dimension"):
        main(["analyze", "--db", "x.db"])


def test_is_input_error_classes():
    assert is_input_error(CLIError("x")) and is_input_error(FileNotFoundError("x"))
    assert not is_input_error(ValueError("never raised"))  # no traceback: not ours
    assert not is_input_error(TypeError("x"))
    try:
        _raise_own(None)
    except ValueError as exc:
        assert is_input_error(exc)
    try:
        raise ValueError("x")
    except ValueError as exc:
        assert not is_input_error(exc)  # raised in tests/, not in the package
