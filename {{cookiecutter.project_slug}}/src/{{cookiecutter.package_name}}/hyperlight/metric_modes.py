"""Which way a metric improves, read from its name: losses and errors go down, scores go up.

Tables that rank runs by metrics the user names (the comparison report) need a direction for
each one without asking; the optimized metric itself keeps its declared `metric_opt_mode`.
"""

from __future__ import annotations

import re

from .ranking import MODES

MIN_MODE, MAX_MODE = MODES
# Words that mark a metric as lower-is-better, matched against the words of its name.
MIN_WORDS = frozenset({"loss", "nll", "error", "err", "mse", "mae", "rmse", "mape", "perplexity", "ppl", "wer", "cer"})


def metric_mode(name: str) -> str:
    """The mode a metric is best in: "min" when a word of its name (split at `_`, `-`, `/`) is in MIN_WORDS.

    Otherwise "max": `val_loss_epoch` and `test_mae` are "min"; `val_acc`, `test_f1_epoch` and `val_auroc` are "max".
    """
    words = set(re.split(r"[_\-/]", name.lower()))
    return MIN_MODE if words & MIN_WORDS else MAX_MODE
