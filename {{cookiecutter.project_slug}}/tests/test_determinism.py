"""The same seed gives the same metrics: in one process, across processes, and with loader workers.

The tolerance is zero: on the CPU, a seeded run is deterministic (`deterministic=True`, one thread order
per op), so every value must match bit for bit; a GPU run may differ in the last digits (cuDNN, atomics).
Repeat groups rely on this: a seed's run is the same run wherever it is repeated.
"""

import json

import pandas as pd
import tiny_task
from processes import run_python

PACKAGE = "{{ cookiecutter.package_name }}"


def test_same_seed_same_metrics_in_one_process(runner, config, extra_config):
    first, second = (runner.run_single_trial(tiny_task.LitTiny, config, extra_config) for _ in range(2))
    pd.testing.assert_frame_equal(first["metrics"].table, second["metrics"].table, check_exact=True)


def test_same_seed_same_metrics_with_loader_workers(runner, config, extra_config):
    extra_config["n_workers"] = 2
    first, second = (runner.run_single_trial(tiny_task.LitTiny, config, extra_config) for _ in range(2))
    pd.testing.assert_frame_equal(first["metrics"].table, second["metrics"].table, check_exact=True)


def test_same_seed_same_metrics_across_processes(extra_config):
    code = (
        "import json, tiny_task\n"
        f"from {PACKAGE}.hyperlight import Runner\n"
        f"extra = dict(tiny_task.EXTRA_CONFIG, results_dir={extra_config['results_dir']!r})\n"
        "runner = Runner(tiny_task.configure_dataloaders)\n"
        "result = runner.run_single_trial(tiny_task.LitTiny, tiny_task.CONFIG, extra)\n"
        "print('METRICS', result['metrics'].table.reset_index().to_json())\n"
    )
    outputs = []
    for _ in range(2):
        done = run_python(code)
        assert done.returncode == 0, done.stderr[-3000:]
        [line] = [line for line in done.stdout.splitlines() if line.startswith("METRICS ")]
        outputs.append(json.loads(line.removeprefix("METRICS ")))
    assert outputs[0] == outputs[1]
