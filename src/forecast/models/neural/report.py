"""What a per-series network's fit reports: the training record kept in the model file and
the summary (description, selection, estimation, statistics); :func:`training_statistics`
is shared with the global model."""

from __future__ import annotations

from typing import Any

import pandas as pd

from forecast.models.base import ModelSummary
from forecast.models.neural import device as dev
from forecast.models.neural import networks, trainer
from forecast.models.neural.base import NeuralBase
from forecast.models.neural.intervals import CONFORMAL
from forecast.models.neural.regressors import RegressorInputs
from forecast.models.neural.windows import Split


class TrainingReport(RegressorInputs):
    """The training record and the summary of a fit."""

    def _training_info(
        self,
        split: Split,
        result: trainer.TrainResult,
        choice: dev.DeviceChoice,
        selection: dict[str, str],
        warm: NeuralBase | None,
    ) -> dict[str, Any]:
        config_epochs = self.finetune_epochs if warm is not None else self.epochs
        notes = []
        if self.amp and not choice.is_cuda:
            notes.append(
                f"amp applies on CUDA only: {self.name} trained in float32 on {choice.name}"
            )
        notes += result.still_improving(self.name, config_epochs)
        return {
            "selection": selection,
            "device": choice.name,
            "device_reason": choice.reason,
            "amp": str(dev.amp_dtype(choice, self.amp) or "off").replace("torch.", ""),
            "fine_tuned": warm is not None,
            "train_origins": int(split.train.size),
            "validation_origins": int(split.validation.size),
            "purged_origins": split.purged,
            "validation_start": self._timestamp(int(split.validation[0]) + 1).isoformat(),
            **result.record(),
            "history": [list(pair) for pair in result.history],
            "notes": notes,
        }

    def _timestamp(self, position: int) -> pd.Timestamp:
        return pd.date_range(self.start_, periods=position + 1, freq=self.freq_)[-1]

    def _summarise(self) -> ModelSummary:
        info = self.fitted_info_
        sel = info["selection"]
        description = (
            f"{self._describe_network()}, {self.strategy} {self.horizon_}-step head, window "
            f"{self.window_}; trained on {info['device']} ({info['device_reason']})"
        )
        selection = "; ".join(f"{k} {v}" for k, v in sel.items())
        most = self.finetune_epochs if info["fine_tuned"] else self.epochs
        estimation = (
            f"Adam lr {self.lr:g}, weight decay {self.weight_decay:g}, batch {self.batch_size}, "
            f"{self.loss} loss, clip {self.clip:g}; best epoch {info['best_epoch']} of "
            f"{info['epochs_run']} run (max {most}, "
            f"patience {self.patience}); validation: last {info['validation_origins']} origins "
            f"(targets from {info['validation_start']}), {info['purged_origins']} purged; "
            f"{'fine-tuned' if info['fine_tuned'] else 'trained'} on {info['device']}"
        )
        stats, timing = training_statistics(info, self.net_, self.y_.size)
        return ModelSummary(
            model=self.name,
            description=description,
            params=self.get_params(),
            stats=stats,
            notes=tuple(info["notes"]),
            extra={
                "selection": selection,
                "estimation": estimation,
                "device": info["device"],
                "device_rule": info["device_reason"],
                "window": self.window_,
                "window_source": sel["window"],
                "period": self.period_,
                "horizon_trained": self.horizon_,
                "strategy": self.strategy,
                "scaler": self.scaler_.to_dict(),
                "interval_method": CONFORMAL,
                "architecture": self.arch_,
                **self._regressor_info(),
                "timing": timing,
            },
        )


def training_statistics(
    info: dict[str, Any], net: Any, nobs: int
) -> tuple[dict[str, float], dict[str, float]]:
    """A trained network's fit statistics, and apart from them its wall-clock timing (which
    varies run to run, so the rest of a seeded run's document is deterministic)."""
    stats = {
        "train_loss": info["train_loss"],
        "val_loss": info["val_loss"],
        "best_epoch": float(info["best_epoch"]),
        "epochs_run": float(info["epochs_run"]),
        "train_origins": float(info["train_origins"]),
        "validation_origins": float(info["validation_origins"]),
        "parameters": float(networks.parameter_count(net)),
        "nobs": float(nobs),
    }
    timing = {"train_seconds": info["train_seconds"]}
    if "samples_per_second" in info:
        timing["samples_per_second"] = info["samples_per_second"]
    return stats, timing
