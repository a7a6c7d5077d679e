"""Command line: `python -m {{ cookiecutter.package_name }} train` or `tune`.

Only argparse is imported at the top, so `--help` answers instantly; torch, Lightning
and Ray load inside the command that needs them (`train` never loads Ray).
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
    train = commands.add_parser(
        "train", parents=[overrides], help="run a single trial with CONFIG and EXTRA_CONFIG from config.py"
    )
    train.add_argument("--fast-dev-run", action="store_true", help="one epoch of two batches per stage, end to end")
    tune = commands.add_parser(
        "tune", parents=[overrides], help="search SEARCH_SPACE_CONFIG with Ray Tune, then test the best trial"
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
    return parser


def _runner(hparams: dict):
    from . import config
    from .data import configure_dataloaders
    from .hyperlight import Runner
    from .model import UnfreezeModelTailCallback

    return Runner(
        configure_dataloaders,
        pl_callbacks=[UnfreezeModelTailCallback(hparams["unfreeze_epochs"])],
        experiment_id=config.EXPERIMENT_ID,
    )


def train(args: argparse.Namespace) -> dict:
    from . import config
    from .hyperlight.overrides import apply_overrides
    from .model import LitDigits

    hparams, extra = apply_overrides(args.overrides, config.CONFIG, config.EXTRA_CONFIG)
    if args.fast_dev_run:
        extra["fast_dev_run"] = True
    return _runner(hparams).run_single_trial(LitDigits, hparams, extra)


def tune(args: argparse.Namespace) -> dict:
    from . import config
    from .hyperlight import ConfigError
    from .hyperlight.overrides import apply_overrides, overridden_keys
    from .model import LitDigits

    hparams, extra = apply_overrides(args.overrides, config.CONFIG, config.EXTRA_CONFIG)
    pinned = overridden_keys(args.overrides) & set(hparams)
    search_space = {**config.SEARCH_SPACE_CONFIG, **{key: hparams[key] for key in pinned}}
    if args.num_samples is not None:
        if args.resume:
            raise ConfigError("--num-samples cannot change a search being resumed; it keeps the size it started with")
        extra["n_samples"] = args.num_samples
    runner = _runner(hparams)
    return runner.run_hyper_opt(LitDigits, search_space, extra, resume=args.resume, address=args.address)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .hyperlight import ConfigError, SearchFailedError, SearchInterruptedError

    try:
        {"train": train, "tune": tune}[args.command](args)
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
