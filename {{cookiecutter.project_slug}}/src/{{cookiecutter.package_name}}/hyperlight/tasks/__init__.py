"""Ready LightningModules for common tasks, as PyTorch Hyperlight 0.3's `pytorch_hyperlight.tasks` offered them.

    schedules.py               the warm-up-then-linear-decay LR schedule, on torch's LambdaLR
    classification_metrics.py  LitMetricsCalc: one stage's torchmetrics, for log_dict
    classification_base.py     AClassificationTask: steps, loss and metrics; REQUIRED_HPARAMS checks
    classification_head.py     FCClassifier and the auto-head fine-tuning base (param groups)
    classification.py          the ready optimizer/schedule classes; the reference's module path

Imported on demand, at the reference's path (`from <package>.hyperlight.tasks.classification import ...`),
never by the runner itself.
"""
