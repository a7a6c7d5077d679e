"""Hyperlight: a thin runner over Lightning (single trials) and Ray Tune (searches).

Vendored into this project, like pip's `_vendor`: it imports only relatively, so it
travels with the project and never clashes with an installed package. Its API follows
PyTorch Hyperlight (github.com/pgagarinov/pytorch-hyperlight), "the reference" in
comments: Runner, run_single_trial, run_hyper_opt, CONFIG / EXTRA_CONFIG keys.

Module map (each file imports only files listed above it; only runner.py and repeats.py reach
search/ and repeat_tasks.py, lazily; nothing here imports tasks/, which your model.py may):
    version.py       __version__, recorded in every manifest
    errors.py        ConfigError, SearchFailedError, SearchInterruptedError; message helpers
    best_epoch.py    how the best epoch is counted: best_epoch (epochs trained) and best_epoch_index (tables)
    rules.py         value predicates (an int that is not a bool, a positive number)
    metric_names.py  the `<stage>_<name>_<step|epoch>` rule and its helpers
    ranking.py       "best" by metric_opt_mode
    metric_modes.py  which way a metric improves, by its name (loss down, accuracy up)
    settings.py      the one table of EXTRA_CONFIG keys: defaults, rules, scopes, docs
    settings_table.py  that table as the README's markdown
    checks.py        checks of config, loaders and logged metric names
    overrides.py     `--set key=value` parsing
    display.py       tables and figures: inline in a notebook, printed or saved elsewhere
    curves_plot.py   per-epoch curves as panels (a trial's stages, or runs overlaid); plot()/show_report()
    flat_layout.py   PyTorch Hyperlight's flat metrics layout (`val_acc` columns, a `run` column), read and written
    metrics.py       TrialMetrics: the per-epoch table (of one run or several), last values and plot
    comparison.py    the session's runs side by side: last-values table, overlaid curves, sorted report
    manifest.py      manifest.json and its lifecycle (running, finished, failed, interrupted)
    results.py       the run folder, metrics.csv, plot.png
    trial_tables.py  what a search leaves beside Ray's folder (trials.csv, trial_curves.csv, ...) and its columns
    trial_plots.py   a search's figures (trial curves, the space, parallel coordinates), drawn from those files
    repeat_stats.py  mean, sample std, Student's t intervals; Welch's and the paired t-test, in a sentence
    repeat_group.py  a repeat group's folder: its seeds, its runs, resuming it
    repeat_summary.py  summary.csv over a group's seeds, and its console lines
    repeat_plots.py  bands.png: mean curves over the seeds with a one-std band
    group_compare.py two repeat groups compared on their test metrics
    storage.py       folders on storage_path (s3://, gs://, a shared folder) through pyarrow, without Ray
    report_page.py   one page as Markdown and as HTML, figures beside it
    report_runs.py   an experiment's run folders as `report` reads them back from disk
    report_groups.py the report's section on repeat groups and their comparisons
    report_table.py  the report's run table and one-line descriptions of runs
    report.py        `report`: report.md and report.html of an experiment, without Ray
    epoch_table.py   the epoch table as the console prints it
    progress.py      the Lightning callback that collects and prints each epoch
    guard.py         callbacks that stop bad runs early (metric names, NaN loss)
    console.py       what the console hides (Lightning's hints and banners); the delayed progress bar
    devices.py       one device, or several processes with DDP: what a trial trains on
    trainer_setup.py settings -> Lightning Trainer
    tasks/           ready LightningModules, the reference's: classification with its optimizer variants
    evaluation.py    reload the best checkpoint, re-validate and test it
    wandb_key.py     the W&B key: where it is found, whether its file is private, offline without it
    user_loggers.py  the Runner's pl_loggers: fresh for every run, functions of a folder in searches
    tracking.py      a W&B run per trial, through Lightning's WandbLogger; never fails a run
    single_trial.py  run_single_trial
    repeats.py       run_repeats: one config under several seeds (Ray tasks only on a cluster or 2+ GPUs)
    final_fit.py     the final fit: a search's best config on train + validation for its best epoch count
    repeat_runner.py Runner.run_repeats and Runner.run_final_fit
    runner.py        Runner, the entry point
    search/          run_hyper_opt on Ray Tune: checks, Tuner setup, trials (or Ray Train runs), results, Ray session
    repeat_tasks.py  the seeds of a group as Ray tasks, their run folders sent home (a cluster, 2+ GPUs)
    __main__.py      `python -m <package>.hyperlight` prints the settings table for the README
"""

from .errors import ConfigError, SearchFailedError, SearchInterruptedError, did_you_mean
from .group_compare import RepeatGroup, comparison_lines
from .metrics import TrialMetrics
from .overrides import apply_overrides, overridden_keys
from .report import write_report
from .runner import Runner
from .settings import Settings, resolve_settings
from .settings_table import settings_markdown
from .version import __version__

__all__ = [
    "ConfigError",
    "RepeatGroup",
    "Runner",
    "SearchFailedError",
    "SearchInterruptedError",
    "Settings",
    "TrialMetrics",
    "__version__",
    "apply_overrides",
    "comparison_lines",
    "did_you_mean",
    "overridden_keys",
    "resolve_settings",
    "settings_markdown",
    "write_report",
]
