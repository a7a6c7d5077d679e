"""The deliberate breaks that tools/mutation_check.py applies, one at a time (how to add one: break_spec.py)."""

from __future__ import annotations

from break_spec import HYPERLIGHT, PROJECT, Break

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
        "runner-does-not-learn",
        "the runner's trials clip every gradient to nothing: the search learns nothing (finding 10)",
        f"{HYPERLIGHT}/trainer_setup.py",
        'clip = config.get("gradient_clip_val") or None',
        "clip = 1e-12",
        (
            "tests/test_benchmark_smoke.py::test_benchmark_smoke_mode_prints_every_way_both_workloads_and_consistent_figures",
        ),
        template_tests=True,
    ),
    Break(
        "lock-misses-a-dependency",
        "the lock leaves out a transitive dependency; only 3.11 is ever installed (finding 11)",
        f"{PROJECT}/requirements.lock",
        "aiohappyeyeballs==2.7.1\n    # via aiohttp\n",
        "",
        ("tests/test_requirements.py::test_the_lock_resolves_as_it_is_for_every_offered_python",),
        template_tests=True,
    ),
    Break(
        "lock-pin-not-for-every-python",
        "a pin that no longer supports an offered Python (numpy 2.4 needs 3.11+; the lock offers 3.10) (finding 11)",
        f"{PROJECT}/requirements.lock",
        "numpy==2.2.6 ; python_full_version < '3.11'",
        "numpy==2.4.6 ; python_full_version < '3.11'",
        ("tests/test_requirements.py::test_the_lock_resolves_as_it_is_for_every_offered_python",),
        template_tests=True,
    ),
    Break(
        "report-absolute-src",
        "the report page finds its figures by absolute paths (finding 9)",
        f"{HYPERLIGHT}/report.py",
        "page.image(path.name, ",
        "page.image(str(path.resolve()), ",
        ("tests/test_report_page.py",),
        template_tests=True,
    ),
]
