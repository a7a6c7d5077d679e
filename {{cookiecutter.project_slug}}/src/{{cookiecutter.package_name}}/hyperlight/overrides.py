"""`--set key=value` overrides for CONFIG and EXTRA_CONFIG, typed like Python literals."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from .validation import ConfigError, did_you_mean

_WORDS = {"true": True, "false": False, "none": None, "null": None}


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _WORDS.get(text.lower(), text)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_value(text: str, current: Any) -> Any:
    """Parse `text` as the kind of value `current` is, so `lr=1e-3x` fails here, not inside AdamW.

    Strings are taken as typed; `none` is accepted anywhere (e.g. `seed=none` turns seeding off).
    """
    if isinstance(current, str):
        return text
    value = _literal(text)
    if current is None or value is None:
        return value
    if isinstance(current, bool):
        valid = isinstance(value, bool)
    elif isinstance(current, float):
        valid, value = _number(value), float(value) if _number(value) else value
    elif isinstance(current, int):
        valid = isinstance(value, int) and not isinstance(value, bool)
    else:
        valid = isinstance(value, type(current))
    if not valid:
        raise ConfigError(f"expected a {type(current).__name__} like {current!r}, got {text!r}")
    return value


def apply_overrides(pairs: Iterable[str], *configs: dict[str, Any]) -> list[dict[str, Any]]:
    """Return copies of `configs` with each key=value applied to the dict that holds the key."""
    updated = [dict(config) for config in configs]
    known = [key for config in configs for key in config]
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        target = next((config for config in updated if key in config), None)
        if target is None:
            raise ConfigError(f"--set: unknown key '{key}'{did_you_mean(key, known)}")
        try:
            target[key] = parse_value(text, target[key])
        except ConfigError as error:
            raise ConfigError(f"--set {key}: {error}") from None
    return updated


def overridden_keys(pairs: Iterable[str]) -> set[str]:
    """The keys `--set` names; a search pins these instead of sampling them."""
    return {pair.partition("=")[0] for pair in pairs}
