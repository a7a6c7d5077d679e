"""The report's section on repeat groups: each group's summary and band plot, then every pair compared."""

from __future__ import annotations

import shutil
from itertools import combinations
from pathlib import Path

from .errors import ConfigError
from .group_compare import RepeatGroup, comparison_lines
from .repeat_group import BANDS_PLOT, SUMMARY_FILE
from .repeat_summary import read_summary
from .report_page import Page

BANDS_CAPTION = (
    "{name}: mean over {n} seeds with a band of one standard deviation (each epoch over the seeds that reached it)"
)


def _group_block(page: Page, group: RepeatGroup, out_dir: Path) -> None:
    page.heading(f"{group.path.name}: {len(group.runs)} seeds of {group.name}")
    if (group.path / SUMMARY_FILE).exists():
        page.text("Mean, sample standard deviation and 95% confidence interval (Student's t) over the seeds:")
        page.table(read_summary(group.path).reset_index())
    if (group.path / BANDS_PLOT).exists():
        copy = out_dir / f"{group.path.name}-{BANDS_PLOT}"
        shutil.copyfile(group.path / BANDS_PLOT, copy)
        page.image(copy.name, BANDS_CAPTION.format(name=group.name, n=len(group.runs)))


def add_group_sections(page: Page, group_dirs: list[Path], out_dir: Path) -> None:
    """A section per finished group, then the comparison of every two groups, as sentences."""
    groups = []
    for path in group_dirs:
        try:
            groups.append(RepeatGroup(path))
        except ConfigError as error:  # a group the report cannot summarize says why, and the rest go on
            page.text(f"{path.name}: {error}")
    groups = [group for group in groups if len(group.runs) >= 2]
    for group in groups:
        _group_block(page, group, out_dir)
    if len(groups) >= 2:
        page.heading("Repeat groups compared")
        for a, b in combinations(groups, 2):
            try:
                lines = comparison_lines(a, b)
            except ConfigError as error:
                lines = [str(error)]
            page.text(f"{a.path.name} (A) against {b.path.name} (B):")
            for line in lines:
                page.text(line)
