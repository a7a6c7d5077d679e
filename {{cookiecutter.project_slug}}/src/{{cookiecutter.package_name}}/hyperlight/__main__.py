"""`python -m <package>.hyperlight`: print the settings table that the project's README holds."""

from .settings_table import settings_markdown

print(settings_markdown(), end="")
