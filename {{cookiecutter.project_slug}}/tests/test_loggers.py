"""Any Lightning logger, through the Runner's `pl_loggers`: a fresh one per run, a function of a folder in searches."""

import pandas as pd
import pytest
import tiny_task
from lightning.pytorch.loggers import CSVLogger

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner


def _logged(metrics_csv) -> list[float]:
    return pd.read_csv(metrics_csv)["val_acc_epoch"].dropna().tolist()


def test_a_csv_logger_receives_every_epoch_of_each_run_in_a_folder_of_its_own(tmp_path, config, extra_config):
    runner = Runner(
        tiny_task.configure_dataloaders,
        pl_loggers=[CSVLogger(tmp_path / "csv"), lambda run_dir: CSVLogger(run_dir, name="csv")],
        experiment_id="test",
    )
    first = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 2}, extra_config)
    second = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 1}, extra_config)

    # The val rows, then the re-validation of the best epoch, which Lightning logs to every logger too.
    expected = first["metrics"].table.xs("Val", level="stage")["acc"].tolist()
    expected.append(first["metrics"].table.xs("Reval", level="stage")["acc"].iloc[-1])
    assert _logged(tmp_path / "csv/lightning_logs/version_0/metrics.csv") == pytest.approx(expected)
    assert _logged(first["results_dir"] / "csv/version_0/metrics.csv") == pytest.approx(expected)
    assert len(_logged(tmp_path / "csv/lightning_logs/version_1/metrics.csv")) == 2  # a fresh copy per run
    assert (second["results_dir"] / "csv/version_0/metrics.csv").exists()


def test_a_search_takes_logger_functions_only_and_says_so_before_ray_starts(
    runner, search_space, search_extra, no_ray, tmp_path
):
    runner.pl_loggers = [CSVLogger(tmp_path)]
    with pytest.raises(ConfigError, match=r"a search needs a function per logger, not a CSVLogger object"):
        runner.run_hyper_opt(tiny_task.LitTiny, search_space, search_extra)


def test_pl_loggers_must_be_loggers_or_functions(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, pl_loggers=["csv"])
    with pytest.raises(ConfigError, match=r"pl_loggers: \['csv'\] are neither Lightning loggers nor functions"):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
