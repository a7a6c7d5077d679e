"""Command line: `python -m {{ cookiecutter.package_name }} train`.

Only argparse is imported at the top, so `--help` answers instantly; torch and
Lightning load inside the command that needs them.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.package_name }}", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="run a single trial with CONFIG and EXTRA_CONFIG from config.py")
    train.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="override a key of CONFIG or EXTRA_CONFIG, e.g. --set lr=1e-3 max_epochs=5",
    )
    train.add_argument("--fast-dev-run", action="store_true", help="one epoch of two batches per stage, end to end")
    return parser


def train(args: argparse.Namespace) -> dict:
    from . import config
    from .data import configure_dataloaders
    from .hyperlight import Runner
    from .hyperlight.overrides import apply_overrides
    from .model import LitDigits, UnfreezeModelTailCallback

    hparams, extra = apply_overrides(args.overrides, config.CONFIG, config.EXTRA_CONFIG)
    if args.fast_dev_run:
        extra["fast_dev_run"] = True
    runner = Runner(
        configure_dataloaders,
        pl_callbacks=[UnfreezeModelTailCallback(hparams["unfreeze_epochs"])],
        experiment_id=config.EXPERIMENT_ID,
    )
    return runner.run_single_trial(LitDigits, hparams, extra)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .hyperlight import ConfigError

    try:
        train(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
