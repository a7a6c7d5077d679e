"""A module whose validation score the test scripts, epoch by epoch, whatever the weights do.

Tests of early stopping, best epochs and final fits need a metric whose best epoch they choose
(the first, one in the middle) rather than the last, where a falling loss would put it.
"""

import tiny_task

RISING = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]  # improves every epoch in mode "max", never in "min"
FLAT = [0.5] * 8  # never improves after its first value, in either mode
SCORE = "val_score_epoch"  # what LitScripted logs: optimize it with metric_opt_mode "max" or "min"


class LitScripted(tiny_task.LitTiny):
    """Logs `val_score` from the list in hparams["scores"], one value per epoch."""

    def on_validation_epoch_end(self) -> None:
        scores = self.hparams.scores  # the re-validation after fit may run past the last epoch
        self.log(SCORE, float(scores[min(self.current_epoch, len(scores) - 1)]))


VALLEY = [0.5, 0.3, 0.1, 0.4, 0.6, 0.7, 0.8, 0.9]  # in mode "min": best at epoch 2, then worse every epoch
TRAIN_SCORE = "train_score_epoch"  # what LitScriptedTrain logs, for runs without validation


class LitScriptedTrain(tiny_task.LitTiny):
    """Logs `train_score` from hparams["train_scores"] at every step of an epoch (its epoch mean is that
    value): a run without validation then has a best epoch the test chooses."""

    def training_step(self, batch, batch_idx: int):
        self.log("train_score", float(self.hparams.train_scores[self.current_epoch]), on_step=True, on_epoch=True)
        return super().training_step(batch, batch_idx)
