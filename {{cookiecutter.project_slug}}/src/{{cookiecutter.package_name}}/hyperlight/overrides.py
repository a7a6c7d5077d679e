"""`--set key=value` overrides for CONFIG and EXTRA_CONFIG, typed like Python literals."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError, did_you_mean
from .rules import is_int, is_number
from .settings import setting_info

_WORDS = {"true": True, "false": False, "none": None, "null": None}


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _WORDS.get(text.lower(), text)


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
        valid, value = is_number(value), float(value) if is_number(value) else value
    elif isinstance(current, int):
        valid = is_int(value)
    else:
        valid = isinstance(value, type(current))
    if not valid:
        raise ConfigError(f"expected a {type(current).__name__} like {current!r}, got {text!r}")
    return value


def apply_overrides(
    pairs: Iterable[str], config: Mapping[str, Any], extra_config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copies of CONFIG and EXTRA_CONFIG with each key=value applied.

    A CONFIG key is typed like its current value. A settings key may be set even when
    EXTRA_CONFIG leaves it to its default; its value is checked by the settings table.
    """
    config, extra_config = dict(config), dict(extra_config)
    settings = setting_info()
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        if key in config:
            try:
                config[key] = parse_value(text, config[key])
            except ConfigError as error:
                raise ConfigError(f"--set {key}: {error}") from None
        elif key in settings:
            rule, value = settings[key][1].rule, _literal(text)
            # `results_dir=2024` names a folder: text the rule accepts as typed stays text.
            extra_config[key] = text if not rule.check(value) and rule.check(text) else value
        else:
            raise ConfigError(f"--set: unknown key '{key}'{did_you_mean(key, [*config, *settings])}")
    return config, extra_config


def overridden_keys(pairs: Iterable[str]) -> set[str]:
    """The keys `--set` names; a search pins these instead of sampling them."""
    return {pair.partition("=")[0] for pair in pairs}
