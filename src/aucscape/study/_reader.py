"""Reading a parsed TOML table key by key: typed values, ranges, unknown keys refused.

Every problem raises :class:`ConfigError` with a message that starts with the offending
key's dotted path, e.g. ``explore.max_step: unknown key (known here: ...)``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """An invalid study configuration; the message starts with the offending key."""


# -- key-by-key reading ------------------------------------------------------------------------
class _Section:
    """A TOML table being read; ``done()`` rejects keys nobody asked for."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path or '<root>'}: expected a table, got {_tname(data)}")
        self.data, self.path, self.used = data, path, set()

    def key(self, k: str) -> str:
        return f"{self.path}.{k}" if self.path else k

    def has(self, k: str) -> bool:
        self.used.add(k)
        return k in self.data

    def get(self, k: str, kind: type, default: Any = None, *, minimum: float | None = None,
            strict: bool = False, none_if_zero: bool = False) -> Any:
        self.used.add(k)
        if k not in self.data:
            return default
        return _typed(self.data[k], kind, self.key(k), minimum=minimum, strict=strict,
                      none_if_zero=none_if_zero)

    def list(self, k: str, kind: type, default: tuple = (), **kw: Any) -> tuple:
        self.used.add(k)
        if k not in self.data:
            return default
        v = self.data[k]
        if not isinstance(v, list) or not v:
            raise ConfigError(f"{self.key(k)}: expected a non-empty list, got {v!r}")
        return tuple(_typed(x, kind, f"{self.key(k)}[{i}]", **kw) for i, x in enumerate(v))

    def table(self, k: str) -> _Section:
        self.used.add(k)
        return _Section(self.data.get(k, {}), self.key(k))

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            known = ", ".join(sorted(self.used)) or "none"
            raise ConfigError(f"{self.key(extra[0])}: unknown key (known here: {known})")


def _tname(v: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(v), type(v).__name__)


def _typed(v: Any, kind: type, key: str, *, minimum: float | None = None,
           strict: bool = False, none_if_zero: bool = False) -> Any:
    if kind is bool:
        if not isinstance(v, bool):
            raise ConfigError(f"{key}: expected true or false, got {v!r}")
        return v
    if kind is str:
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(f"{key}: expected a non-empty string, got {v!r}")
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(f"{key}: expected a number, got {_tname(v)} {v!r}")
    if kind is int and (isinstance(v, float) and not v.is_integer()):
        raise ConfigError(f"{key}: expected an integer, got {v!r}")
    if not math.isfinite(v):
        raise ConfigError(f"{key}: expected a finite number, got {v!r}")
    if minimum is not None and (v <= minimum if strict else v < minimum):
        raise ConfigError(f"{key}: must be {'>' if strict else '>='} {minimum:g}, got {v!r}")
    if none_if_zero and v == 0:
        return None
    return kind(v)
