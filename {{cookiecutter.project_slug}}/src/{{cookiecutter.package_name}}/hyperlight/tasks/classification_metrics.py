"""LitMetricsCalc: one stage's classification metrics, ready for `LightningModule.log_dict`.

The step returns the metric objects themselves, not their values: Lightning then logs each
batch's value (`<stage>_<name>_step`) and computes the epoch value from the accumulated state
(`<stage>_<name>_epoch`), exact over the whole epoch rather than a mean of batch values.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchmetrics import Metric
from torchmetrics.classification import (
    BinaryAccuracy,
    BinaryF1Score,
    BinaryPrecision,
    BinaryRecall,
    MulticlassAccuracy,
    MulticlassF1Score,
    MulticlassPrecision,
    MulticlassRecall,
)

from ..errors import ConfigError, did_you_mean

DEFAULT_METRICS = ("acc", "f1")
# name -> (binary metric, multiclass metric). Accuracy is the share of right answers (micro), as in
# the reference; f1/prec/rec average the classes equally (macro), so rare classes count as much.
_METRICS = {
    "acc": (BinaryAccuracy, lambda n: MulticlassAccuracy(num_classes=n, average="micro")),
    "f1": (BinaryF1Score, lambda n: MulticlassF1Score(num_classes=n, average="macro")),
    "prec": (BinaryPrecision, lambda n: MulticlassPrecision(num_classes=n, average="macro")),
    "rec": (BinaryRecall, lambda n: MulticlassRecall(num_classes=n, average="macro")),
}
KNOWN_METRICS = tuple(_METRICS)


class LitMetricsCalc(nn.Module):
    """The metrics of one stage (`prefix`: train, val or test), named `<prefix>_<metric>`.

    Logits of shape (N, C) are multiclass (argmax). Logits of shape (N,) or (N, 1) are binary:
    one logit per sample through a sigmoid, threshold 0.5, with f1/prec/rec of the positive class.
    Which kind a batch is can only be told from its logits, so with num_classes <= 2 both sets
    are built, and each stage logs the set its logits ask for.
    """

    def __init__(self, prefix: str, num_classes: int, metric_list: Sequence[str] | None = None) -> None:
        super().__init__()
        names = list(DEFAULT_METRICS if metric_list is None else metric_list)
        unknown = [name for name in names if name not in _METRICS]
        if isinstance(metric_list, str) or unknown or not names:
            hint = did_you_mean(unknown[0], KNOWN_METRICS) if unknown else ""
            raise ConfigError(
                f"metric_list must be a non-empty list of {list(KNOWN_METRICS)}, got {metric_list!r}{hint}"
            )
        if int(num_classes) < 1:
            raise ConfigError(f"num_classes must be at least 1, got {num_classes!r}")
        self.prefix, self.num_classes = prefix, int(num_classes)
        self.binary = nn.ModuleDict({name: _METRICS[name][0]() for name in names}) if num_classes <= 2 else None
        self.multiclass = (
            nn.ModuleDict({name: _METRICS[name][1](self.num_classes) for name in names}) if num_classes >= 2 else None
        )

    def step(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, Metric]:
        """Update with one batch; return `{"<prefix>_<name>": metric}` for `log_dict`."""
        logits = logits.detach()
        is_binary = logits.ndim == 1 or (logits.ndim == 2 and logits.shape[1] == 1 and self.num_classes <= 2)
        if is_binary:
            if self.binary is None:
                raise ValueError(
                    f"{self.prefix}: logits of shape {tuple(logits.shape)} are binary (one per sample), "
                    f"but num_classes is {self.num_classes}; a multiclass model returns (N, {self.num_classes})"
                )
            # The sigmoid is explicit: torchmetrics applies it only when some value falls outside [0, 1].
            preds, target, metrics = logits.reshape(-1).sigmoid(), target.reshape(-1).long(), self.binary
        else:
            if self.multiclass is None:
                raise ValueError(
                    f"{self.prefix}: logits of shape {tuple(logits.shape)} are multiclass, but num_classes is 1"
                )
            preds, target, metrics = logits, target.long(), self.multiclass
        for metric in metrics.values():
            metric(preds, target)  # forward: accumulates the epoch state and keeps this batch's value
        return {f"{self.prefix}_{name}": metric for name, metric in metrics.items()}
