"""Early stopping follows metric_opt_mode, patience and the grace period, on a metric the test scripts."""

import pytest
from scripted_task import FLAT, RISING, SCORE, LitScripted


@pytest.mark.parametrize(
    ("scores", "mode", "patience", "grace", "epochs", "best"),
    [
        (RISING, "max", 2, 0, 8, 7),  # always improving: runs to max_epochs
        (RISING, "min", 2, 0, 3, 0),  # epoch 0 stays best: stops after `patience` more epochs
        # The grace epochs go unwatched; the first check (epoch `grace`) sets the mark, and patience
        # counts from there: the run stops after epoch grace + patience, as in the reference.
        (RISING, "min", 1, 5, 7, 0),
        (FLAT, "max", 2, 3, 6, 0),
    ],
)
def test_run_stops_by_mode_patience_and_grace(
    runner, config, extra_config, scores, mode, patience, grace, epochs, best
):
    config.update(max_epochs=len(scores), scores=scores)
    extra_config.update(metric_to_optimize=SCORE, metric_opt_mode=mode)
    extra_config.update(ptl_early_stopping_patience=patience, ptl_early_stopping_grace_period=grace)
    result = runner.run_single_trial(LitScripted, config, extra_config)

    assert len(result["metrics"].table.xs("Train", level="stage")) == epochs
    assert (result["best_epoch_index"], result["best_epoch"]) == (best, best + 1)


@pytest.mark.parametrize(
    ("grace_keys", "epochs"),
    [
        # The reference's "grace_period: for both PTL Trainer and Ray Tune scheduler": 3 unwatched
        # epochs, then patience 2 on a flat metric stops the run after epoch 5.
        ({"grace_period": 3}, 6),
        ({"grace_period": 3, "ptl_early_stopping_grace_period": 1}, 4),  # the explicit key wins
    ],
)
def test_grace_period_delays_early_stopping_unless_its_own_key_is_set(runner, config, extra_config, grace_keys, epochs):
    config.update(max_epochs=len(FLAT), scores=FLAT)
    extra_config.update(metric_to_optimize=SCORE, metric_opt_mode="max", ptl_early_stopping_patience=2, **grace_keys)
    result = runner.run_single_trial(LitScripted, config, extra_config)

    assert len(result["metrics"].stage("Train")) == epochs
