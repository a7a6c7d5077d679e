"""The command line's arguments: `train`, `tune`, `final`, `compare` and `report`.

Only argparse is imported, so `--help` answers instantly.
"""

from __future__ import annotations

import argparse

RESULT_FOLDER = "a results/<experiment_id>/... folder"


def _shared() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, argparse.ArgumentParser]:
    """The options several commands take: --set, --fast-dev-run, and --seeds/--resume of a repeat group."""
    overrides = argparse.ArgumentParser(add_help=False)
    overrides.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="override a key of CONFIG or EXTRA_CONFIG, e.g. --set lr=1e-3 max_epochs=5; "
        "in `tune` a CONFIG key set here is no longer searched",
    )
    fast = argparse.ArgumentParser(add_help=False)
    fast.add_argument("--fast-dev-run", action="store_true", help="one epoch of two batches per stage, end to end")
    seeds = argparse.ArgumentParser(add_help=False)
    seeds.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        metavar="N",
        help="a number of seeds (counted up from EXTRA_CONFIG's seed) or a list of seeds: one run each, "
        "then the mean and 95%% CI of every Reval and Test metric",
    )
    return overrides, fast, seeds


def add_resume(parser: argparse.ArgumentParser, help: str) -> None:
    """`--resume` alone continues the newest unfinished one; `--resume PATH` the one in that folder."""
    parser.add_argument("--resume", nargs="?", const=True, default=False, metavar="PATH", help=help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.package_name }}", description=__doc__.splitlines()[0])
    overrides, fast, seeds = _shared()
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        parents=[overrides, fast, seeds],
        help="run a single trial with CONFIG and EXTRA_CONFIG from config.py (with --seeds, a repeat group)",
    )
    train.add_argument("--run-name", help="name the run (or the group) instead of after the LightningModule")
    add_resume(
        train, "with --seeds: finish the newest unfinished group, or the one in PATH, without re-running its seeds"
    )
    train.add_argument("--address", help="with --seeds: run the seeds side by side on this Ray cluster")
    tune = commands.add_parser(
        "tune", parents=[overrides, fast], help="search SEARCH_SPACE_CONFIG with Ray Tune, then test the best trial"
    )
    tune.add_argument("--num-samples", type=int, metavar="N", help="number of trials (default: n_samples)")
    add_resume(tune, "continue the search this experiment ran last, or the one in PATH (a results/.../tune-* folder)")
    tune.add_argument("--address", help="join this Ray cluster (default: RAY_ADDRESS, else start Ray locally)")
    tune.add_argument(
        "--record",
        metavar="FILE",
        help="write the search's folder to FILE once it exists (slurm/tune.sbatch resumes from it)",
    )
    tune.add_argument(
        "--final-fit",
        type=int,
        metavar="K",
        help="then retrain the best config on train + validation under K seeds and test it (see `final`)",
    )
    final = commands.add_parser(
        "final",
        parents=[overrides, seeds],
        help="retrain a finished search's best config on train + validation for its best epoch count, and test it",
    )
    final.add_argument("search_dir", metavar="SEARCH", help=f"the search's folder, {RESULT_FOLDER}tune-*")
    add_resume(final, "as in `train`")
    compare = commands.add_parser(
        "compare", help="compare two repeat groups on every test metric: difference, 95%% CI, p-value, in words"
    )
    compare.add_argument("groups", nargs=2, metavar="GROUP", help=f"a repeat group's folder, {RESULT_FOLDER}")
    report = commands.add_parser(
        "report", help="write report.md and report.html (run table, best config, plots) of an experiment's runs"
    )
    report.add_argument(
        "experiment_dir",
        metavar="PATH",
        help="the experiment's folder, e.g. results/<experiment_id>, or where storage_path keeps it: s3://bucket/.../<experiment_id>",
    )
    return parser
