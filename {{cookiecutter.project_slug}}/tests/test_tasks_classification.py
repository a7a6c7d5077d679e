"""The ready classification tasks (hyperlight.tasks): PyTorch Hyperlight 0.3's classes on Lightning 2.

Each concrete class trains through the Runner on the tiny blobs; schedules, param groups,
metrics and the hparams checks are then checked one by one, on the CPU.
"""

import pytest
import tiny_task
import torch
from lightning.pytorch import Callback
from torch import nn

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner
from {{ cookiecutter.package_name }}.hyperlight.tasks.classification import (
    AAutoClsHeadClassificationTaskWDAdamWStepLR,
    AAutoClsHeadClassificationTaskWDAdamWWarmup,
    AClassificationTask,
    ClassificationTaskAdamStepLR,
    ClassificationTaskAdamWWarmup,
    FCClassifier,
    LitMetricsCalc,
)
from {{ cookiecutter.package_name }}.hyperlight.tasks.schedules import warmup_decay_factor

HIDDEN = 16
STEPS_PER_EPOCH = 8  # 240 training samples in batches of 32
HPARAMS = {
    "n_classes": tiny_task.N_CLASSES,
    "lr": 0.02,
    "lr_step_epochs": 1,
    "lr_step_factor": 0.5,
    "warmup": 4,
    "weight_decay": 0.01,
    "classifier_dropout": 0.0,
    "classifier_lr": 0.03,
    "rest_lr": 0.01,
    "no_weight_decay_param_names": ["bias", "LayerNorm.weight"],
    "step_lr_step_size": 1,
    "step_lr_gamma": 0.5,
}


class Backbone(nn.Module):
    """A pretrained-model stand-in: an encoder, a LayerNorm and a head `fc` (the auto-head tasks replace it)."""

    def __init__(self, n_out: int = tiny_task.N_CLASSES) -> None:
        super().__init__()
        self.encoder = nn.Linear(tiny_task.N_FEATURES, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN)
        self.fc = nn.Linear(HIDDEN, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.LayerNorm(self.encoder(x))))


def _user_class(base: type) -> type:
    """What 0.3 code does: build the backbone and the loss, hand them to the base."""

    def __init__(self, hparams: dict) -> None:
        n_out = 5 if "AutoClsHead" in base.__name__ else tiny_task.N_CLASSES  # a head for another dataset
        base.__init__(self, hparams, Backbone(n_out), nn.CrossEntropyLoss())

    namespace = {"__init__": __init__, "_get_classifier_module_name": lambda self: "fc"}
    return type(f"My{base.__name__}", (base,), namespace)


AdamStepLR, AdamWWarmup, HeadStepLR, HeadWarmup = (
    _user_class(base)
    for base in (
        ClassificationTaskAdamStepLR,
        ClassificationTaskAdamWWarmup,
        AAutoClsHeadClassificationTaskWDAdamWStepLR,
        AAutoClsHeadClassificationTaskWDAdamWWarmup,
    )
)


class LRTrace(Callback):
    """Every param group's LR before each training batch, and at the end of training."""

    def __init__(self) -> None:
        self.lrs: list[list[float]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.lrs.append([group["lr"] for group in trainer.optimizers[0].param_groups])

    def on_train_end(self, trainer, pl_module) -> None:
        self.on_train_batch_start(trainer, pl_module, None, -1)


def _built(lmodule_class: type, **hparams) -> tuple:
    """A module outside the Runner, given the schedule size the Runner would add; its optimizer and scheduler."""
    lmodule = lmodule_class({**HPARAMS, "n_train_steps": 2 * STEPS_PER_EPOCH, **hparams})
    [optimizer], [scheduler] = lmodule.configure_optimizers()
    return lmodule, optimizer, scheduler


@pytest.mark.parametrize(
    ("lmodule_class", "base_lrs", "expected"),
    [
        (AdamStepLR, [0.02], lambda step: 0.5 ** (step // STEPS_PER_EPOCH)),
        (AdamWWarmup, [0.02], lambda step: warmup_decay_factor(step, 4, 2 * STEPS_PER_EPOCH)),
        (HeadStepLR, [0.03, 0.01, 0.01], lambda step: 0.5 ** (step // STEPS_PER_EPOCH)),
        (HeadWarmup, [0.03, 0.01, 0.01], lambda step: warmup_decay_factor(step, 4, 2 * STEPS_PER_EPOCH)),
    ],
    ids=["AdamStepLR", "AdamWWarmup", "HeadStepLR", "HeadWarmup"],
)
def test_each_task_trains_through_the_runner(config, extra_config, lmodule_class, base_lrs, expected):
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[LRTrace()], experiment_id="test")
    result = runner.run_single_trial(lmodule_class, {**config, **HPARAMS, "max_epochs": 2}, extra_config)

    last = result["metrics_last"]
    for stage in ("train", "val", "reval", "test"):
        assert {f"{stage}_acc_epoch", f"{stage}_f1_epoch", f"{stage}_loss_epoch"} <= set(last.index), stage
    assert last["val_acc_epoch"] > 0.8  # the blobs are easy: the task learned
    # The scheduler steps when its interval says (batch or epoch), every group from its own LR.
    [trace] = [callback for callback in result["trainer"].callbacks if isinstance(callback, LRTrace)]  # the run's copy
    steps = [*range(2 * STEPS_PER_EPOCH), 2 * STEPS_PER_EPOCH]
    assert trace.lrs == [pytest.approx([lr * expected(step) for lr in base_lrs]) for step in steps]


def test_warmup_schedule_rises_to_the_lr_then_falls_to_zero_at_n_train_steps():
    _, optimizer, schedule = _built(AdamWWarmup, warmup=4, n_train_steps=20)
    assert (schedule["interval"], schedule["frequency"]) == ("step", 1)
    lrs = {}
    for step in range(21):
        lrs[step] = optimizer.param_groups[0]["lr"]
        optimizer.step()
        schedule["scheduler"].step()
    assert lrs[0] == pytest.approx(0.02 / 4)  # the first batch already learns
    assert lrs[3] == pytest.approx(0.02)
    assert lrs[4] == pytest.approx(0.02)  # the peak, then linear decay
    assert lrs[12] == pytest.approx(0.02 * (20 - 12) / (20 - 4))
    assert lrs[20] == 0.0
    assert all(lrs[step] >= lrs[step + 1] for step in range(4, 20))
    assert warmup_decay_factor(0, 0, 10) == 1.0  # warmup=0: no warm-up


def test_auto_head_replaces_the_classifier_and_decays_only_the_rest():
    for lmodule_class in (HeadStepLR, HeadWarmup):
        lmodule, optimizer, _ = _built(lmodule_class)
        head = lmodule.model.fc
        assert isinstance(head, FCClassifier) and head.classifier1.out_features == tiny_task.N_CLASSES
        assert head.classifier0.in_features == HIDDEN
        assert torch.all(head.classifier0.bias == 0) and 0.01 < head.classifier0.weight.std() < 0.03

        params = dict(lmodule.model.named_parameters())
        groups = {group["name"]: group for group in optimizer.param_groups}
        assert list(groups) == ["classifier", "rest_no_decay", "rest_decay"]
        expected = {
            "classifier": ([name for name in params if name.startswith("fc.")], 0.03, 0.0),
            "rest_no_decay": (["encoder.bias", "LayerNorm.weight", "LayerNorm.bias"], 0.01, 0.0),
            "rest_decay": (["encoder.weight"], 0.01, 0.01),
        }
        for name, (param_names, lr, weight_decay) in expected.items():
            assert [id(p) for p in groups[name]["params"]] == [id(params[n]) for n in param_names], name
            assert (groups[name]["initial_lr"], groups[name]["weight_decay"]) == (lr, weight_decay), name
    assert (optimizer.defaults["betas"], optimizer.defaults["eps"]) == ((0.9, 0.999), 1e-8)


def test_auto_head_leaves_empty_groups_out_and_names_a_missing_classifier():
    _, optimizer, _ = _built(HeadWarmup, no_weight_decay_param_names=[])
    assert [group["name"] for group in optimizer.param_groups] == ["classifier", "rest_decay"]
    assert len(optimizer.param_groups[1]["params"]) == 4  # encoder and LayerNorm weights and biases

    no_head = type("NoHead", (HeadStepLR,), {"_get_classifier_module_name": lambda self: "classifier"})
    with pytest.raises(ConfigError, match="no classifier module 'classifier'"):
        no_head(HPARAMS)


def test_metric_list_logs_precision_and_recall(runner, config, extra_config):
    config = {**config, **HPARAMS, "max_epochs": 1, "metric_list": ["acc", "prec", "rec"]}
    result = runner.run_single_trial(AdamStepLR, config, extra_config)
    logged = set(result["metrics_last"].index)
    assert {"val_prec_epoch", "val_rec_epoch", "test_rec_epoch", "train_prec_epoch"} <= logged
    assert "val_f1_epoch" not in logged

    # 3 classes; class 0 predicted for all of them: precision and recall differ (0.3 used Precision for both).
    calc = LitMetricsCalc("val", 3, ["prec", "rec"])
    logits = torch.tensor([[5.0, 0, 0], [5.0, 0, 0], [5.0, 0, 0], [0, 5.0, 0]])
    logged = calc.step(logits, torch.tensor([0, 1, 2, 1]))
    assert set(logged) == {"val_prec", "val_rec"}
    assert logged["val_prec"].compute().item() == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert logged["val_rec"].compute().item() == pytest.approx((1 + 1 / 2 + 0) / 3)


def test_one_logit_per_sample_is_binary_through_a_sigmoid():
    calc = LitMetricsCalc("test", 2)
    # All logits lie in [0, 1]: read as probabilities, three would be negatives; through a sigmoid all are positive.
    logged = calc.step(torch.tensor([0.2, 0.3, 0.9, 0.1]), torch.tensor([1, 1, 1, 1]))
    assert logged["test_acc"].compute().item() == 1.0 and logged["test_f1"].compute().item() == 1.0
    two_logits = calc.step(torch.tensor([[0.0, 2.0], [2.0, 0.0]]), torch.tensor([1, 1]))  # (N, 2): multiclass
    assert two_logits["test_acc"].compute().item() == 0.5
    with pytest.raises(ValueError, match="binary"):
        LitMetricsCalc("val", 3).step(torch.zeros(4), torch.zeros(4))


def test_batches_reach_the_model_through_the_reference_override_points():
    class DictBatches(AdamStepLR):
        def _forward_batch(self, batch):
            return self(batch["x"])

        @staticmethod
        def _get_target_from_batch(batch):  # a staticmethod, as in 0.3
            return batch["y"]

    lmodule, logged = DictBatches(HPARAMS), {}
    lmodule.log_dict = lambda values, **kwargs: logged.update({name: kwargs for name in values})
    lmodule.log = lambda name, value, **kwargs: logged.update({name: kwargs})
    x, y = torch.randn(6, tiny_task.N_FEATURES), torch.tensor([0, 1, 2, 0, 1, 2])
    loss = lmodule.validation_step({"x": x, "y": y}, 0)
    assert loss.item() == pytest.approx(nn.functional.cross_entropy(lmodule(x), y).item())
    assert logged == {
        **dict.fromkeys(["val_acc", "val_f1"], {"on_step": True, "on_epoch": True}),
        "val_loss": {"on_step": True, "on_epoch": True, "sync_dist": True},  # torchmetrics sync themselves
    }


def test_missing_hparams_fail_at_construction_naming_key_and_class(runner, config, extra_config):
    typo = {key: value for key, value in {**config, **HPARAMS}.items() if key != "warmup"} | {"warmpu": 4}
    with pytest.raises(ConfigError, match=r"'warmup' \(required by ClassificationTaskAdamWWarmup\).*'warmpu'"):
        runner.run_single_trial(AdamWWarmup, typo, extra_config)  # before any training

    hparams = {key: value for key, value in HPARAMS.items() if key not in ("rest_lr", "step_lr_gamma", "n_classes")}
    with pytest.raises(ConfigError) as error:
        HeadStepLR(hparams)
    message = str(error.value)
    assert message.startswith("MyAAutoClsHeadClassificationTaskWDAdamWStepLR: hparams lack")
    assert "'n_classes' (required by AClassificationTask)" in message
    assert "'rest_lr' (required by AAutoClsHeadClassificationWeightDecayTask)" in message
    assert "'step_lr_gamma' (required by AAutoClsHeadClassificationTaskWDAdamWStepLR)" in message

    with pytest.raises(ConfigError, match="n_train_steps"):
        AdamWWarmup(HPARAMS)  # outside the Runner nobody adds it
    with pytest.raises(ConfigError, match="did you mean 'rec'"):
        AdamStepLR({**HPARAMS, "metric_list": ["acc", "recc"]})
    with pytest.raises(TypeError, match="configure_optimizers"):
        AClassificationTask(HPARAMS, Backbone(), nn.CrossEntropyLoss())
