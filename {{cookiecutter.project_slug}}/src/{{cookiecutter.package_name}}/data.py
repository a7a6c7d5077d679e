"""Step 1: a function that returns your DataLoaders.

The runner calls `configure_dataloaders` inside every run (and, for searches, inside
every Ray worker), so nothing large is shipped between processes. Plug in your own
data by changing `create_datasets`; keep the returned keys.
"""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import ConcatDataset, DataLoader, Dataset, TensorDataset

# The split never depends on the training seed, so every run sees the same validation data.
SPLIT_SEED = 16


def create_datasets(val_size: float = 0.2, test_size: float = 0.2) -> dict:
    """scikit-learn's bundled 8x8 digits: 1,797 images, no download, fine on a laptop CPU."""
    # Replace this block with your own data: anything that yields (inputs, target) pairs works.
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)  # pixel values 0..16 -> 0..1
    y = torch.tensor(digits.target, dtype=torch.long)
    idx = list(range(len(y)))
    idx_rest, idx_test = train_test_split(idx, test_size=test_size, random_state=SPLIT_SEED, stratify=y)
    idx_train, idx_val = train_test_split(idx_rest, test_size=val_size, random_state=SPLIT_SEED, stratify=y[idx_rest])
    train, val, test = (TensorDataset(x[ids], y[ids]) for ids in (idx_train, idx_val, idx_test))
    return {
        "train_dataset": train,
        "val_dataset": val,
        "test_dataset": test,
        # train + val, for a final fit once the hyper-parameters are chosen
        "full_train_dataset": ConcatDataset([train, val]),
        "n_classes": len(digits.target_names),
    }


def _loader(dataset: Dataset, batch_size: int, shuffle: bool, n_workers: int) -> DataLoader:
    # The shuffle order follows the run's seed alone, not whatever the model's set-up drew before it:
    # two models run under the same seed see the same batches, so `compare` can pair their runs.
    generator = torch.Generator().manual_seed(torch.initial_seed()) if shuffle else None
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        num_workers=n_workers,
        persistent_workers=n_workers > 0,
        pin_memory=torch.cuda.is_available(),
    )


def configure_dataloaders(batch_size: int, n_workers: int = 0) -> dict:
    """Return the loaders the runner looks up by name (see *_loader_name in config.py)."""
    result = create_datasets()
    for prefix in ("train", "full_train"):  # shuffled for training
        result[f"{prefix}_loader"] = _loader(result[f"{prefix}_dataset"], batch_size, True, n_workers)
    for prefix in ("val", "test"):  # fixed order for evaluation
        result[f"{prefix}_loader"] = _loader(result[f"{prefix}_dataset"], batch_size, False, n_workers)
    return result
