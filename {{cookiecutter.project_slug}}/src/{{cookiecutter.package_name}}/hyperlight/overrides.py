"""`--set key=value` overrides for CONFIG and EXTRA_CONFIG, typed like Python literals."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from .validation import ConfigError, did_you_mean

_WORDS = {"true": True, "false": False, "none": None, "null": None}


def parse_value(text: str, current: Any) -> Any:
    """`5` is an int, `1e-3` a float, `[0, 2]` a list, `true`/`none` what they say, anything else a str."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = _WORDS.get(text.lower(), text)
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {text!r}")
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
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
