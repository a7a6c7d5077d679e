"""A swapped-in task, step 1: synthetic regression data, generated here (nothing to download).

The runner calls `configure_dataloaders` inside every run and every Ray worker, so the
data is rebuilt from a fixed seed each time instead of being passed around.
"""

from __future__ import annotations

import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, TensorDataset

N_FEATURES = 8  # must match CONFIG["n_features"] in config.py
N_TRAIN, N_VAL, N_TEST = 600, 200, 200
# The data never depends on the training seed, so every run sees the same rows.
DATA_SEED = 1234


def create_datasets(noise: float = 0.1) -> dict:
    """y = a linear part + a sine of the first feature + Gaussian noise, from a seeded generator."""
    gen = torch.Generator().manual_seed(DATA_SEED)
    n_rows = N_TRAIN + N_VAL + N_TEST
    x = torch.randn(n_rows, N_FEATURES, generator=gen)
    weights = torch.randn(N_FEATURES, generator=gen) / N_FEATURES**0.5
    y = x @ weights + torch.sin(2.0 * x[:, 0]) + noise * torch.randn(n_rows, generator=gen)
    # The rows are i.i.d., so consecutive slices are already random splits.
    train, val, test = (
        TensorDataset(x[start:stop], y[start:stop])
        for start, stop in ((0, N_TRAIN), (N_TRAIN, N_TRAIN + N_VAL), (N_TRAIN + N_VAL, n_rows))
    )
    return {
        "train_dataset": train,
        "val_dataset": val,
        "test_dataset": test,
        "full_train_dataset": ConcatDataset([train, val]),  # train + val, for a final fit
    }


def _loader(dataset: Dataset, batch_size: int, shuffle: bool, n_workers: int) -> DataLoader:
    generator = torch.Generator().manual_seed(torch.initial_seed()) if shuffle else None  # kept from the stub
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        num_workers=n_workers,
        persistent_workers=n_workers > 0,
    )


def configure_dataloaders(batch_size: int, n_workers: int = 0) -> dict:
    """Return the loaders the runner looks up by name: train_loader, val_loader, test_loader (+ full_train)."""
    result = create_datasets()
    for prefix in ("train", "full_train"):  # shuffled for training
        result[f"{prefix}_loader"] = _loader(result[f"{prefix}_dataset"], batch_size, True, n_workers)
    for prefix in ("val", "test"):  # fixed order for evaluation
        result[f"{prefix}_loader"] = _loader(result[f"{prefix}_dataset"], batch_size, False, n_workers)
    return result
