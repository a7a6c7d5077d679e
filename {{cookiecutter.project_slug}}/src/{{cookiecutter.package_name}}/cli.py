"""Command line: `python -m {{ cookiecutter.package_name }} train`, `tune`, `final`, `compare` or `report`.

Only argparse is imported at the top, so `--help` answers instantly; torch, Lightning
and Ray load inside the command that needs them (`train` and `report` never load Ray).
"""

from __future__ import annotations

import argparse
import sys

from .cli_parser import build_parser


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
    debug = getattr(args, "fast_dev_run", False)  # `final` trains exactly the epochs the search chose
    return Runner(task.configure_dataloaders, is_debug=debug, experiment_id=task.EXPERIMENT_ID)


def _seeds(args: argparse.Namespace) -> int | list[int]:
    """`--seeds 5` is a count, `--seeds 3 7 11` a list."""
    return args.seeds[0] if len(args.seeds) == 1 else args.seeds


def train(args: argparse.Namespace, task) -> dict:
    from .hyperlight import ConfigError, apply_overrides

    hparams, extra = apply_overrides(args.overrides, task.CONFIG, task.EXTRA_CONFIG)
    runner = _runner(task, args)
    if args.seeds is None and (args.resume or args.address):
        raise ConfigError("--resume and --address belong to repeat groups: add --seeds N")
    if args.seeds is None:
        return runner.run_single_trial(task.LMODULE_CLASS, hparams, extra, run_name=args.run_name)
    return runner.run_repeats(
        task.LMODULE_CLASS, hparams, extra, _seeds(args), args.run_name, resume=args.resume, address=args.address
    )


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
    result = runner.run_hyper_opt(
        task.LMODULE_CLASS, search_space, extra, resume=args.resume, address=args.address, record=args.record
    )
    if args.final_fit is not None:
        runner.run_final_fit(task.LMODULE_CLASS, result["results_dir"], extra, args.final_fit)
    return result


def final(args: argparse.Namespace, task) -> dict:
    from .hyperlight import apply_overrides

    _, extra = apply_overrides(args.overrides, task.CONFIG, task.EXTRA_CONFIG)
    seeds = 5 if args.seeds is None else _seeds(args)
    return _runner(task, args).run_final_fit(task.LMODULE_CLASS, args.search_dir, extra, seeds, resume=args.resume)


def compare(args: argparse.Namespace, task) -> list[str]:
    """Reads only the two group folders, as `report` does."""
    from .hyperlight import RepeatGroup, comparison_lines

    lines = comparison_lines(*(RepeatGroup(folder) for folder in args.groups))
    print("\n".join(lines))
    return lines


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
        commands = {"train": train, "tune": tune, "final": final, "compare": compare, "report": report}
        commands[args.command](args, task or ProjectTask())
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
