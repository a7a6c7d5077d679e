"""The settings table of the project's README, generated from the one table in settings.py."""

from __future__ import annotations

from .settings import REQUIRED, setting_info


def settings_markdown() -> str:
    """The settings table of the project's README; a test keeps the two in step."""
    lines = ["| key | default | scope | rule | meaning |", "|---|---|---|---|---|"]
    for key, (default, info) in setting_info().items():
        shown = "required" if default is REQUIRED else f"`{default!r}`"
        lines.append(f"| `{key}` | {shown} | {', '.join(info.scopes)} | {info.rule.text} | {info.doc} |")
    return "\n".join(lines) + "\n"
