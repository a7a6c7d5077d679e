"""What a deliberate break is: edits to a copy of the template, and the tests that must then fail.

How to add a break: append a Break to BREAKS in breaks.py (to TEMPLATE_BREAKS in template_breaks.py if
the template's own tests catch it) whose `old` is text that occurs exactly once in `file` (a path in the
template, "{{...}}" folders and all) and whose `new` breaks the behaviour the tests name. List the fewest
tests that should catch it, as pytest node ids relative to the baked project (or to the template, with
template_tests=True). Then run `tools/mutation_check.py NAME`:
"caught" is the goal; "missed" means those tests would pass with the bug in place; "STALE" means the
code moved on and the break needs its text updated. A break that needs edits in several places lists
the others in `more`.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT = "{{cookiecutter.project_slug}}"
HYPERLIGHT = f"{PROJECT}/src/{{{{cookiecutter.package_name}}}}/hyperlight"


@dataclass(frozen=True)
class Break:
    name: str
    why: str  # the behaviour it breaks, in a few words
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    template_tests: bool = False  # the tests are the template's own, run in the template
    more: tuple[tuple[str, str, str], ...] = ()  # further (file, old, new) edits of the same break
