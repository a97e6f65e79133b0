"""Saving and loading :class:`aekit.AnomalyDetector`: one model folder, JSON + safetensors.

``config.json`` holds the parameters, the fitted scalars, the architecture of the batched
network (or each member's configuration) and the table encoding; ``model.safetensors`` holds the
weights, the scaling, the neighbour reference rows and the score memory. Nothing is unpickled.
Folders written before detector format 2 (aekit 0.1.x: one autoencoder per member, no neighbour
component) are refused with a message naming the version that wrote them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from ..data.table_encoding import TableEncoder
from ..io import ModelFolderError, load_state_checked
from ..models.ensemble import MemberEnsemble
from ..training.device import resolve_device
from .anomaly_parts import SCORE_MEMORY, NeighborDistance, ScoreMemory
from .autoencoder import Autoencoder
from .base import ModelFolderMixin

DETECTOR_FORMAT = 2
# What a detector without a score memory (one read from an aekit 0.1 folder) stores instead.
_FIXED_SCALING = ("member_center_", "member_spread_", "component_center_", "component_spread_", "decision_scores_")


def _encoder_state(enc: TableEncoder) -> dict[str, Any]:
    state = {
        "params": enc.get_params(),
        "n_features_in_": int(enc.n_features_in_),
        "column_names_": list(enc.column_names_),
        "categories_": [[int(j), list(c)] for j, c in enc.categories_.items()],
        "medians_": [[int(j), float(m)] for j, m in enc.medians_.items()],
    }
    if hasattr(enc, "feature_names_in_"):
        state["feature_names_in_"] = [str(n) for n in enc.feature_names_in_]
    return state


def _encoder_from_state(state: dict[str, Any]) -> TableEncoder:
    enc = TableEncoder(**state["params"])
    enc.n_features_in_ = state["n_features_in_"]
    enc.column_names_ = state["column_names_"]
    if "feature_names_in_" in state:
        enc.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
    enc.categories_ = {j: cats for j, cats in state["categories_"]}
    enc.categorical_columns_ = sorted(enc.categories_)
    enc.medians_ = {j: m for j, m in state["medians_"]}
    enc._set_outputs()
    return enc


class DetectorPersistence(ModelFolderMixin):
    """The model folder of :class:`aekit.AnomalyDetector` and its subclasses (``save``/``load``
    come from :class:`~aekit.estimators.base.ModelFolderMixin`; :meth:`load` gives identical scores)."""

    def _state(self):
        check_is_fitted(self, "decision_scores_")
        fitted: dict[str, Any] = {"n_features_in_": int(self.n_features_in_), "threshold_": float(self.threshold_),
                                  "n_partial_fits_": int(getattr(self, "n_partial_fits_", 0))}
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
        if hasattr(self, "encoder_"):
            fitted["encoder"] = _encoder_state(self.encoder_)
        tensors = {"preprocessing.offset": torch.from_numpy(np.asarray(self.offset_, dtype=np.float64)),
                   "preprocessing.scale": torch.from_numpy(np.asarray(self.scale_, dtype=np.float64))}
        if self.memory_ is not None:
            tensors["memory.scores"] = torch.from_numpy(self.memory_.scores_)
        else:  # scaling read from an aekit 0.1 folder, which kept no per-member scores: stored as it is
            for name in _FIXED_SCALING:
                tensors[f"detector.{name}"] = torch.from_numpy(np.asarray(getattr(self, name), dtype=np.float64))
        history: dict[str, Any] = {}
        if hasattr(self, "network_"):
            net = self.network_
            fitted["network"] = {"widths": [layer.weight.shape[1] for layer in net.layers] + [net.layers[-1].weight.shape[2]],
                                 "n_encoder_layers": net.n_encoder_layers, "n_members": net.n_members,
                                 "n_features": int(len(self.offset_)),
                                 "n_components": None if net.front is None else net.front.n_components}
            tensors.update({f"network.{k}": v for k, v in net.state_dict().items()})
            history = self.history_.to_dict()
        else:
            members = []
            for i, est in enumerate(self.estimators_):
                config, member_tensors, member_history = est._state()
                members.append(config)
                tensors.update({f"member{i}.{k}": v for k, v in member_tensors.items()})
                history[f"member{i}"] = member_history
                if self.score == "latent":
                    mean, precision = self.latent_stats_[i]
                    tensors[f"member{i}.latent.mean"] = torch.from_numpy(mean)
                    tensors[f"member{i}.latent.precision"] = torch.from_numpy(precision)
            fitted["members"] = members
        if self.neighbors_ is not None:
            tensors["neighbors.reference"] = torch.from_numpy(self.neighbors_.reference_)
            fitted["neighbors_seen"] = int(self.neighbors_.n_seen_)
        return {"detector_format": DETECTOR_FORMAT, "fitted": fitted}, tensors, history

    @classmethod
    def _from_state(cls, config, tensors, history, where: str, device: str = "cpu"):
        """The detector that :meth:`_state` described."""
        if config.get("detector_format") is None:
            return cls._load_legacy(config, tensors, history or {}, where, device)
        if config.get("detector_format") != DETECTOR_FORMAT:
            raise ModelFolderError(
                f"{where!r} was written by aekit {config.get('aekit_version', '0.1.x')} in an older detector layout "
                f"(one network per member, no neighbour component), which aekit {__version__} cannot score the same "
                "way; fit the detector again with this version and save it"
            )
        try:
            det = cls(**config["params"])
            fitted = config["fitted"]
            det.n_features_in_ = fitted["n_features_in_"]
            if "feature_names_in_" in fitted:
                det.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
            if "encoder" in fitted:
                det.encoder_ = _encoder_from_state(fitted["encoder"])
            if fitted.get("n_partial_fits_"):
                det.n_partial_fits_ = fitted["n_partial_fits_"]
            det.offset_ = tensors["preprocessing.offset"].numpy()
            det.scale_ = tensors["preprocessing.scale"].numpy()
            det._load_members(fitted, tensors, history or {}, where, device)
            det.neighbors_ = None
            if "neighbors.reference" in tensors:
                det.neighbors_ = NeighborDistance(det.n_neighbors)
                det.neighbors_.reference_ = tensors["neighbors.reference"].numpy()
                det.neighbors_.n_seen_ = fitted["neighbors_seen"]
                det.neighbors_._index()
            if "memory.scores" in tensors:
                det.memory_ = ScoreMemory(max(SCORE_MEMORY, len(tensors["memory.scores"])))  # series keep every step
                det.memory_.reset(tensors["memory.scores"].numpy())
                det._set_scaling_and_threshold()
            else:
                det._set_fixed_scaling({name: tensors[f"detector.{name}"].numpy() for name in _FIXED_SCALING})
        except (KeyError, TypeError) as err:
            raise ModelFolderError(f"{where!r} is not a complete {cls.__name__} folder (missing {err})") from None
        return det

    @classmethod
    def _load_legacy(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor], history: dict[str, Any],
                     where: str, device: str):
        """A folder written before detector format 2 (aekit 0.1.x); refused unless a subclass can read it."""
        raise ModelFolderError(
            f"{where!r} was written by aekit {config.get('aekit_version', '0.1.x')} in an older detector layout "
            f"(one network per member, no neighbour component), which aekit {__version__} cannot score the same "
            "way; fit the detector again with this version and save it"
        )

    def _set_fixed_scaling(self, values: dict[str, np.ndarray]) -> None:
        """Scaling and training scores given as they are (no score memory to recompute them from)."""
        for name, value in values.items():
            setattr(self, name, np.asarray(value, dtype=np.float64))
        self.memory_ = None
        self.threshold_ = float(np.quantile(self.decision_scores_, 1 - self.contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    def _load_members(self, fitted: dict[str, Any], tensors: dict[str, torch.Tensor], history: dict[str, Any],
                      where: str, device: str) -> None:
        from ..training.history import History

        if "network" in fitted:
            spec = fitted["network"]
            widths, n_enc = spec["widths"], spec["n_encoder_layers"]
            self.network_ = MemberEnsemble(spec["n_features"], widths[1:n_enc], widths[n_enc], n_members=spec["n_members"],
                                           n_components=spec["n_components"])
            load_state_checked(self.network_, {k[8:]: v for k, v in tensors.items() if k.startswith("network.")}, where)
            self.network_.to(resolve_device(device)).eval()
            self.history_ = History.from_dict(history)
            return
        self.estimators_, self.latent_stats_ = [], []
        for i, member in enumerate(fitted["members"]):
            prefix = f"member{i}."
            own = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            self.estimators_.append(Autoencoder._from_state(member, own, history.get(f"member{i}"), where, device))
            if self.score == "latent":
                self.latent_stats_.append((own["latent.mean"].numpy(), own["latent.precision"].numpy()))
        if self.score != "latent":
            del self.latent_stats_
