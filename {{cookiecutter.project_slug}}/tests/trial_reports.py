"""The epochs each trial has reported, read from Tune's result.json while a search may still be writing it."""

from __future__ import annotations

import json
from pathlib import Path

RESULT_FILES = "*/tune-*/ray/*/result.json"  # under storage_path or results_dir: run / search / ray / trial


def reports(result_json: Path) -> list[dict]:
    """Tune appends a JSON line per report and then its newline, so a reader racing it can catch the last line
    half-written: only lines a newline has ended count."""
    return [json.loads(line) for line in result_json.read_text().split("\n")[:-1]]


def trial_reports(folder: Path) -> dict[str, list[dict]]:
    """Each trial's reports, by its folder's name."""
    return {path.parent.name: reports(path) for path in folder.glob(RESULT_FILES)}
