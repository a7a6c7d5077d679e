"""Early stopping follows metric_opt_mode, patience and the grace period, on a metric the test scripts."""

import pytest
import tiny_task


class LitScripted(tiny_task.LitTiny):
    """Logs `val_score` from the list in hparams, one value per epoch, whatever the weights do."""

    def on_validation_epoch_end(self) -> None:
        scores = self.hparams.scores  # the re-validation after fit may run past the last epoch
        self.log("val_score_epoch", float(scores[min(self.current_epoch, len(scores) - 1)]))


RISING = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]  # improves every epoch in mode "max", never in "min"
FLAT = [0.5] * 8  # never improves after its first value, in either mode


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
    extra_config.update(metric_to_optimize="val_score_epoch", metric_opt_mode=mode)
    extra_config.update(ptl_early_stopping_patience=patience, ptl_early_stopping_grace_period=grace)
    result = runner.run_single_trial(LitScripted, config, extra_config)

    assert len(result["metrics"].table.xs("Train", level="stage")) == epochs
    assert result["best_epoch"] == best
