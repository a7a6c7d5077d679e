"""Fine-tuning a pretrained backbone: a fresh classifier head, its own LR, weight decay where it belongs.

The head starts from scratch and can take a larger LR than the pretrained rest; biases and
normalization weights are kept out of weight decay, which would only pull them towards zero.
"""

from __future__ import annotations

from abc import abstractmethod
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError
from .classification_base import AClassificationTask, hparams_dict

CLASSIFIER, REST_NO_DECAY, REST_DECAY = "classifier", "rest_no_decay", "rest_decay"


class FCClassifier(nn.Module):
    """Linear -> ReLU -> Dropout -> Linear; small N(0, 0.02) weights and zero biases, as BERT-style heads start."""

    def __init__(self, n_features: int, n_classes: int, dropout: float) -> None:
        super().__init__()
        self.classifier0 = nn.Linear(n_features, n_features)
        self.dropout = nn.Dropout(p=dropout)
        self.classifier1 = nn.Linear(n_features, n_classes)
        for layer in (self.classifier0, self.classifier1):
            nn.init.normal_(layer.weight, mean=0.0, std=0.02)
            nn.init.zeros_(layer.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.classifier1(self.dropout(torch.relu(self.classifier0(features))))


class AAutoClsHeadClassificationWeightDecayTask(AClassificationTask):
    """Replaces `model.<_get_classifier_module_name()>` with an FCClassifier for hparams["n_classes"].

    hparams: classifier_dropout; classifier_lr (the head, no weight decay); rest_lr and
    weight_decay (the backbone); no_weight_decay_param_names, substrings of parameter names
    kept out of weight decay, e.g. ["bias", "LayerNorm.weight"].
    """

    REQUIRED_HPARAMS = (
        "classifier_dropout",
        "classifier_lr",
        "rest_lr",
        "weight_decay",
        "no_weight_decay_param_names",
    )

    def __init__(self, hparams: Mapping[str, Any] | Namespace, model: nn.Module, criterion: nn.Module) -> None:
        hparams = hparams_dict(hparams)
        self.check_hparams(hparams)  # before the backbone is touched
        name = self._get_classifier_module_name()
        old_classifier = getattr(model, name, None)
        if not isinstance(old_classifier, nn.Module):
            raise ConfigError(f"{type(self).__name__}: the model has no classifier module '{name}' to replace")
        n_features = getattr(old_classifier, "in_features", None)
        if not isinstance(n_features, int):
            raise ConfigError(
                f"{type(self).__name__}: model.{name} ({type(old_classifier).__name__}) has no `in_features`; "
                "override _build_classifier(hparams, n_features) or _get_classifier_module_name()"
            )
        setattr(model, name, self._build_classifier(hparams, n_features))
        super().__init__(hparams, model, criterion)

    @abstractmethod
    def _get_classifier_module_name(self) -> str:
        """The backbone's attribute that holds its classifier: "fc" for torchvision ResNets, "head" for timm ViTs."""

    def _build_classifier(self, hparams: Mapping[str, Any], n_features: int) -> nn.Module:
        """The new head; override to build another one."""
        return FCClassifier(n_features, hparams["n_classes"], hparams["classifier_dropout"])

    def get_param_groups(self) -> dict[str, list[nn.Parameter]]:
        """The backbone's parameters by group: classifier, rest_no_decay, rest_decay."""
        name = self._get_classifier_module_name()
        no_decay = self.hparams["no_weight_decay_param_names"]
        no_decay = [no_decay] if isinstance(no_decay, str) else list(no_decay)  # "bias" means ["bias"]
        groups: dict[str, list[nn.Parameter]] = {CLASSIFIER: [], REST_NO_DECAY: [], REST_DECAY: []}
        for param_name, param in self.model.named_parameters():
            if param_name.startswith(f"{name}."):
                groups[CLASSIFIER].append(param)
            elif any(part in param_name for part in no_decay):
                groups[REST_NO_DECAY].append(param)
            else:
                groups[REST_DECAY].append(param)
        if not groups[CLASSIFIER]:
            raise ConfigError(f"{type(self).__name__}: the classifier model.{name} has no parameters to train")
        return groups

    def get_optimizer_params(self) -> list[dict[str, Any]]:
        """Optimizer param groups, named by "name" (LearningRateMonitor shows it); empty groups are left out."""
        settings = {
            CLASSIFIER: (self.hparams["classifier_lr"], 0.0),
            REST_NO_DECAY: (self.hparams["rest_lr"], 0.0),
            REST_DECAY: (self.hparams["rest_lr"], self.hparams["weight_decay"]),
        }
        return [
            {"name": group, "params": params, "lr": settings[group][0], "weight_decay": settings[group][1]}
            for group, params in self.get_param_groups().items()
            if params
        ]
