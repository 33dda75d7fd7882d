"""Plain-Python checks shared by the Keras backend scripts (run as subprocesses)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def expect_value_errors(cases: Iterable[tuple[Callable[[], object], str]]) -> None:
    """Each call must raise ValueError whose message contains its text."""
    for fn, message in cases:
        try:
            fn()
        except ValueError as exc:
            assert message in str(exc), (message, exc)
        else:
            raise AssertionError(f"no ValueError for {message!r}")
