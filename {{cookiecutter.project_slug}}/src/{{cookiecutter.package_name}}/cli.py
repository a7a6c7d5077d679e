"""Command line: `python -m {{ cookiecutter.package_name }} train`, `tune` or `report`.

Only argparse is imported at the top, so `--help` answers instantly; torch, Lightning
and Ray load inside the command that needs them (`train` and `report` never load Ray).
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.package_name }}", description=__doc__.splitlines()[0])
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
    commands = parser.add_subparsers(dest="command", required=True)
    fast = argparse.ArgumentParser(add_help=False)
    fast.add_argument("--fast-dev-run", action="store_true", help="one epoch of two batches per stage, end to end")
    commands.add_parser(
        "train", parents=[overrides, fast], help="run a single trial with CONFIG and EXTRA_CONFIG from config.py"
    )
    tune = commands.add_parser(
        "tune", parents=[overrides, fast], help="search SEARCH_SPACE_CONFIG with Ray Tune, then test the best trial"
    )
    tune.add_argument("--num-samples", type=int, metavar="N", help="number of trials (default: n_samples)")
    tune.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=False,
        metavar="PATH",
        help="continue the search this experiment ran last, or the one in PATH (a results/.../tune-* folder)",
    )
    tune.add_argument("--address", help="join this Ray cluster (default: RAY_ADDRESS, else start Ray locally)")
    tune.add_argument(
        "--record",
        metavar="FILE",
        help="write the search's folder to FILE once it exists (slurm/tune.sbatch resumes from it)",
    )
    report = commands.add_parser(
        "report", help="write report.md and report.html (run table, best config, plots) of an experiment's runs"
    )
    report.add_argument("experiment_dir", metavar="PATH", help="the experiment's folder, e.g. results/<experiment_id>")
    return parser


class ProjectTask:
    """data.py, model.py and config.py seen as one task: the names `train` and `tune` read.

    A task is anything with `configure_dataloaders`, `LMODULE_CLASS`, `CONFIG`, `EXTRA_CONFIG`,
    `SEARCH_SPACE_CONFIG` and `EXPERIMENT_ID`; a single module works too (the tests pass their own).
    """

    def __getattr__(self, name: str):
        from . import config, data, model  # imported on first use, so `--help` stays instant

        home = {"configure_dataloaders": data, "LMODULE_CLASS": model}.get(name, config)
        return getattr(home, name)


def _runner(task, args: argparse.Namespace):
    from .hyperlight import Runner

    # --fast-dev-run is the reference's is_debug: every run of this Runner is a fast dev run.
    return Runner(task.configure_dataloaders, is_debug=args.fast_dev_run, experiment_id=task.EXPERIMENT_ID)


def train(args: argparse.Namespace, task) -> dict:
    from .hyperlight import apply_overrides

    hparams, extra = apply_overrides(args.overrides, task.CONFIG, task.EXTRA_CONFIG)
    return _runner(task, args).run_single_trial(task.LMODULE_CLASS, hparams, extra)


def tune(args: argparse.Namespace, task) -> dict:
    from .hyperlight import ConfigError, apply_overrides, overridden_keys

    hparams, extra = apply_overrides(args.overrides, task.CONFIG, task.EXTRA_CONFIG)
    pinned = overridden_keys(args.overrides) & set(hparams)
    search_space = {**task.SEARCH_SPACE_CONFIG, **{key: hparams[key] for key in pinned}}
    if args.num_samples is not None:
        if args.resume:
            raise ConfigError("--num-samples cannot change a search being resumed; it keeps the size it started with")
        extra["n_samples"] = args.num_samples
    runner = _runner(task, args)
    return runner.run_hyper_opt(
        task.LMODULE_CLASS, search_space, extra, resume=args.resume, address=args.address, record=args.record
    )


def report(args: argparse.Namespace, task) -> list:
    """Reads only the results folder: Ray never loads, and the task's files are not needed."""
    from .hyperlight import write_report

    paths = write_report(args.experiment_dir)
    for path in paths:
        print(path.resolve())
    return paths


def main(argv: list[str] | None = None, task=None) -> int:
    """Run a command on `task` (default: this project's data.py, model.py and config.py)."""
    args = build_parser().parse_args(argv)
    from .hyperlight import ConfigError, SearchFailedError, SearchInterruptedError

    try:
        {"train": train, "tune": tune, "report": report}[args.command](args, task or ProjectTask())
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SearchFailedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SearchInterruptedError as error:
        print(f"interrupted: {error}", file=sys.stderr)
        return 130
    return 0
