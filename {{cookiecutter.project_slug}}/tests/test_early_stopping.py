"""A run that cannot improve stops at the epoch patience and grace period imply."""

import pytest

from {{ cookiecutter.package_name }}.model import LitDigits


@pytest.mark.parametrize(("patience", "grace", "expected_epochs"), [(2, 0, 3), (1, 5, 5)])
def test_run_that_cannot_improve_stops_early(runner, config, extra_config, patience, grace, expected_epochs):
    config.update(lr=0.0, max_epochs=20)  # nothing moves, so the first epoch stays the best
    extra_config.update(ptl_early_stopping_patience=patience, ptl_early_stopping_grace_period=grace)
    result = runner.run_single_trial(LitDigits, config, extra_config)

    # the best epoch (0), then `patience` epochs without improvement, but never fewer than `grace`
    assert len(result["metrics"].df.xs("Train", level="stage")) == expected_epochs
    assert result["best_epoch"] == 0
