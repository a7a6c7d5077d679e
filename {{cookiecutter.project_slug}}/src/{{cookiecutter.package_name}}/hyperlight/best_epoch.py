"""How a run's best epoch is counted: the one home of that rule.

Tables, plots and Lightning number epochs from 0, so the fifteenth epoch is `epoch=14` there.
`best_epoch` instead counts the epochs the best checkpoint had trained, as PyTorch Hyperlight's did
(its checkpoint's `epoch` field, in Lightning 1.2): `CONFIG["max_epochs"] = result["best_epoch"]`
retrains a model to the same point, for a final fit on train + validation. `best_epoch_index` is
the same epoch as the tables number it: where the best checkpoint's rows and its Reval and Test are.
"""

from __future__ import annotations

BEST_EPOCH, BEST_EPOCH_INDEX = "best_epoch", "best_epoch_index"  # keys of the result dicts and the manifest


def best_epoch_fields(index: int) -> dict[str, int]:
    """The result's and the manifest's fields for a best checkpoint saved at table epoch `index`."""
    return {BEST_EPOCH: index + 1, BEST_EPOCH_INDEX: index}


def describe_best_epoch(index: int) -> str:
    """The best checkpoint's epoch in words that fit both ways of counting."""
    return f"after {index + 1} epochs (epoch {index} in the tables)"
