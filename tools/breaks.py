"""The deliberate breaks that tools/mutation_check.py applies, one at a time (how to add one: break_spec.py).

Here the breaks the baked project's tests catch, but for PyTorch Hyperlight's idioms (idiom_breaks.py);
template_breaks.py holds those the template's own tests catch.
"""

from __future__ import annotations

from break_spec import HYPERLIGHT, PROJECT, Break
from idiom_breaks import IDIOM_BREAKS
from template_breaks import TEMPLATE_BREAKS

WANDB = "tests/test_wandb_tracking.py"
STAGES = "tests/test_optional_stages.py"

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
        "plain-ray-kept-for-multiworker-search",
        "a search of multi-worker trials runs on the plain local Ray an earlier search left: no State API",
        f"{HYPERLIGHT}/search/ray_session.py",
        "        if not (dashboard and ray.get_runtime_context().gcs_address == _local_without_dashboard):\n"
        "            return\n        ray.shutdown()\n",
        "        return\n",
        ("tests/test_search_workers.py::test_each_trial_trains_on_two_workers_and_the_best_is_evaluated_here",),
    ),
    Break(
        "tips-filtered-on-lightnings-handlers-only",
        "Lightning's tips reach the console once logging was set up before Lightning's import",
        f"{HYPERLIGHT}/console.py",
        "handlers = _handlers_reached(lightning_logger)",
        "handlers = lightning_logger.handlers",
        ("tests/test_trainer_setup.py::test_lightning_tips_are_hidden_unless_verbose",),
    ),
    *IDIOM_BREAKS,
    *TEMPLATE_BREAKS,
]
