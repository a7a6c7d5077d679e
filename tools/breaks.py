"""The deliberate breaks that tools/mutation_check.py applies, one at a time (how to add one: break_spec.py).

Here the breaks the baked project's tests catch; template_breaks.py holds those the template's own catch.
"""

from __future__ import annotations

from break_spec import HYPERLIGHT, PROJECT, Break
from template_breaks import TEMPLATE_BREAKS

WANDB = "tests/test_wandb_tracking.py"
STAGES = "tests/test_optional_stages.py"
IDIOMS = "tests/test_reference_idioms.py"  # PyTorch Hyperlight's notebook idioms (issue 21)
GRACE = "tests/test_early_stopping.py::test_grace_period_delays_early_stopping_unless_its_own_key_is_set"

BREAKS = [
    Break(
        "wandb-console-banners",
        "W&B prints its banners and run summary (finding 1)",
        f"{HYPERLIGHT}/tracking.py",
        'SILENT_VARIABLE, SERVICE_VARIABLE = "WANDB_SILENT",',
        'SILENT_VARIABLE, SERVICE_VARIABLE = "PATH",',  # always set: W&B is never told to be quiet
        (f"{WANDB}::test_a_single_trial_is_one_named_wandb_run_with_every_epoch_and_the_plot",),
    ),
    Break(
        "wandb-rows-doubled",
        "each epoch reaches W&B twice (findings 2 and 3)",
        f"{HYPERLIGHT}/single_trial.py",
        "loggers = tracked.loggers + run_loggers(pl_loggers, run_dir)",
        "loggers = tracked.loggers * 2 + run_loggers(pl_loggers, run_dir)",
        (f"{WANDB}::test_a_single_trial_is_one_named_wandb_run_with_every_epoch_and_the_plot",),
    ),
    Break(
        "wandb-ddp-rows-doubled",
        "each epoch of a 2-process trial reaches W&B twice (finding 3)",
        f"{HYPERLIGHT}/single_trial.py",
        "loggers = tracked.loggers + run_loggers(pl_loggers, run_dir)",
        "loggers = tracked.loggers * 2 + run_loggers(pl_loggers, run_dir)",
        (f"{WANDB}::test_a_two_process_ddp_trial_is_one_wandb_run",),
    ),
    Break(
        "key-never-loaded",
        "a key file's key never reaches W&B (finding 4)",
        f"{HYPERLIGHT}/wandb_key.py",
        "        environ[KEY_VARIABLE] = key\n",
        "        pass\n",
        ("tests/test_key_leak.py::test_a_planted_key_is_written_nowhere",),
    ),
    Break(
        "early-stopping-ignores-mode",
        "early stopping watches its metric in mode min, whatever metric_opt_mode says",
        f"{HYPERLIGHT}/trainer_setup.py",
        "            mode=mode,\n            patience=",
        '            mode="min",\n            patience=',
        ("tests/test_early_stopping.py",),
    ),
    Break(
        "pinned-key-searched",
        "a key pinned with --set is sampled from the search space anyway",
        f"{HYPERLIGHT}/overrides.py",
        'return {pair.partition("=")[0] for pair in pairs}',
        "return set()",
        ("tests/test_cli.py::test_a_key_pinned_with_set_is_not_searched",),
    ),
    Break(
        "resume-from-epoch-0",
        "a resumed trial starts again from epoch 0",
        f"{HYPERLIGHT}/search/trial.py",
        "ckpt_path=ckpt_path, weights_only=False",
        "ckpt_path=None, weights_only=False",
        ("tests/test_tune_resume.py",),
    ),
    Break(
        "node-loss-restarts-from-epoch-0",
        "a trial lost with its node starts again from epoch 0 on another (issue 20, finding 5)",
        f"{HYPERLIGHT}/search/trial.py",
        "ckpt_path=ckpt_path, weights_only=False",
        "ckpt_path=None, weights_only=False",
        ("tests/test_multinode.py::test_a_search_survives_losing_a_worker_node",),
    ),
    Break(
        "cluster-reuses-actors",
        "a search on a cluster reuses trial actors, which Tune hands out even on a lost node (issue 20)",
        f"{HYPERLIGHT}/search/setup.py",
        "return settings.workers_per_trial == 1 and not on_cluster",
        "return settings.workers_per_trial == 1",
        ("tests/test_multinode.py::test_tune_job_runs_trials_on_both_workers_and_stores_results_in_storage_path",),
    ),
    Break(
        "start-line-outlives-its-search",
        "a search leaves its StartLine actor, and its worker process, alive after its trials",
        f"{HYPERLIGHT}/search/hyper_opt.py",
        "                release(start_line)",
        "                pass",
        ("tests/test_search_start.py::test_a_one_slot_search_lines_up_no_workers_and_ray_prestarts_none",),
    ),
    Break(
        "checkpoint-keeps-last",
        "the checkpoint kept is the last epoch's, not the best (finding 6)",
        f"{HYPERLIGHT}/trainer_setup.py",
        "        mode=settings.metric_opt_mode,\n        save_top_k=1,",
        '        mode="max",\n        save_top_k=1,',  # with the tests' scripted train metric: the last epoch
        (
            f"{STAGES}::test_without_a_validation_loader_a_train_metric_picks_the_checkpoint",
            f"{STAGES}::test_without_validation_or_test_the_best_weights_still_come_back",
        ),
    ),
    Break(
        "best-epoch-is-last",
        "the best epoch reported is the last one trained (finding 6)",
        f"{HYPERLIGHT}/single_trial.py",
        "    return int(best)\n",
        "    return int(values.index[-1])\n",
        (f"{STAGES}::test_without_a_validation_loader_a_train_metric_picks_the_checkpoint",),
    ),
    Break(
        "free-port-repeats",
        "free_port hands out a port it already handed out (finding 12)",
        f"{PROJECT}/tests/processes.py",
        "        if port in _handed_out:\n            continue\n",
        "",
        ("tests/test_processes.py",),
    ),
    Break(
        "ddp-every-process-all-data",
        "each DDP process trains on all the data instead of its share (finding 7)",
        f"{HYPERLIGHT}/devices.py",
        '{"strategy": DDP_STRATEGY}',
        '{"strategy": DDP_STRATEGY, "use_distributed_sampler": False}',
        ("tests/test_ddp_single_trial.py",),
    ),
    Break(
        "search-workers-one-actor",
        "a trial of 2 workers runs as ddp_spawn inside one Tune actor, not as 2 Ray Train workers (finding 8)",
        f"{HYPERLIGHT}/search/setup.py",
        "several = settings.workers_per_trial > 1",
        "several = False",
        ("tests/test_search_workers.py::test_each_trial_trains_on_two_workers_and_the_best_is_evaluated_here",),
        more=((f"{HYPERLIGHT}/search/hyper_opt.py", "num_processes=1)", "num_processes=settings.workers_per_trial)"),),
    ),
    Break(
        "state-api-guesses-instance",
        "Ray's State API clients are not told this instance's dashboard, and guess (finding 8)",
        f"{HYPERLIGHT}/search/ray_session.py",
        "            env_vars[API_SERVER_VARIABLE] = f\"http://127.0.0.1:{ports['dashboard_port']}\"\n",
        "",
        ("tests/test_search_workers.py::test_state_api_clients_in_workers_ask_this_instance_of_ray",),
    ),
    Break(
        "curves-not-trial-metrics",
        "get_metrics()['epoch_x_stage_run_metric'] is a bare table, as before issue 21, not a TrialMetrics",
        f"{HYPERLIGHT}/comparison.py",
        "CURVES: self.curves(keep_train_val_only)}",
        "CURVES: self.curves(keep_train_val_only).table}",
        (f"{IDIOMS}::test_the_runs_curves_are_one_trial_metrics",),
    ),
    Break(
        "curves-df-without-run",
        "the flat .df of several runs loses its run column (issue 21)",
        f"{HYPERLIGHT}/flat_layout.py",
        "return flat[[RUN, *(c for c in flat.columns if c != RUN)]]",
        "return flat.drop(columns=RUN)",
        (f"{IDIOMS}::test_the_runs_curves_are_one_trial_metrics",),
    ),
    Break(
        "grace-period-not-for-early-stopping",
        "grace_period no longer delays early stopping when ptl_early_stopping_grace_period is absent (issue 21)",
        f"{HYPERLIGHT}/settings.py",
        "    if EARLY_STOPPING_GRACE not in values and GRACE_PERIOD in values:\n"
        "        values[EARLY_STOPPING_GRACE] = values[GRACE_PERIOD]\n",
        "",
        (GRACE,),
    ),
    Break(
        "grace-period-overrides-its-own-key",
        "grace_period replaces an explicit ptl_early_stopping_grace_period (issue 21)",
        f"{HYPERLIGHT}/settings.py",
        "if EARLY_STOPPING_GRACE not in values and GRACE_PERIOD in values:",
        "if GRACE_PERIOD in values:",
        (GRACE,),
    ),
    Break(
        "best-epoch-is-index",
        "best_epoch is the 0-based index again: max_epochs = best_epoch trains one epoch too few (issue 21)",
        f"{HYPERLIGHT}/best_epoch.py",
        "return {BEST_EPOCH: index + 1, BEST_EPOCH_INDEX: index}",
        "return {BEST_EPOCH: index, BEST_EPOCH_INDEX: index}",
        (f"{IDIOMS}::test_a_final_fit_trains_the_epochs_the_best_checkpoint_had",),
    ),
    Break(
        "final-fit-one-epoch-short",
        "the final fit trains the best checkpoint's 0-based epoch index, one epoch too few (issue 21)",
        f"{HYPERLIGHT}/final_fit.py",
        "MAX_EPOCHS: int(manifest[BEST_EPOCH])}",
        "MAX_EPOCHS: int(manifest[BEST_EPOCH]) - 1}",
        ("tests/test_final_fit.py::test_each_seed_trains_the_best_epoch_count_on_the_full_train_loader",),
    ),
    Break(
        "extra-run-name-prefix-dropped",
        "run_single_trial accepts extra_run_name_prefix but names the run without it (issue 21)",
        f"{HYPERLIGHT}/single_trial.py",
        'name = f"{extra_run_name_prefix}{run_name or lmodule_class.__name__}"',
        'name = f"{run_name or lmodule_class.__name__}"',
        (f"{IDIOMS}::test_extra_run_name_prefix_names_the_folder_and_the_row",),
    ),
    Break(
        "plain-ray-kept-for-multiworker-search",
        "a search of multi-worker trials runs on the plain local Ray an earlier search left: no State API",
        f"{HYPERLIGHT}/search/ray_session.py",
        "        if not (dashboard and ray.get_runtime_context().gcs_address == _local_without_dashboard):\n"
        "            return\n        ray.shutdown()\n",
        "        return\n",
        ("tests/test_search_workers.py::test_each_trial_trains_on_two_workers_and_the_best_is_evaluated_here",),
    ),
    *TEMPLATE_BREAKS,
]
