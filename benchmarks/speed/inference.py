"""Inference: transform and anomaly scoring of the 70,000 Fashion-MNIST rows (train + test), 784
features, float32.

Models are trained 1 epoch on the first 5,000 rows first (inference cost does not depend on the
weights): ``aekit.Autoencoder(latent_dim=32, hidden_dims=(512, 256))``, a copy of it with the same
weights set to ``precision='auto'``, a single-network ``AnomalyDetector`` (``n_estimators=1,
robust=False, preprocessing='none', n_neighbors=0, input_pca=None``) and, when pyod is installed,
PyOD's ``AutoEncoder`` of the same sizes. 'hand' is ``model.encode(x)`` / a reconstruction pass of
the fitted aekit model on the whole tensor under ``torch.no_grad()``. GFLOP/s counts the encoder's
FLOPs for encoding rows and the whole reconstruction's for scoring rows. The derived row compares
the precision='auto' codes with the fp32 codes of the same weights on 10,000 rows. Contenders
alternate, ``--repeats`` rounds, median.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

import aekit
from aekit.training.device import resolve_precision

from .harness import Context, Goal, Result, Section, Table, alternate, fmt, med
from .workloads import HIDDEN, LATENT, count_flops


def run(ctx: Context) -> Result:
    X70 = ctx.data.X70
    n = len(X70)
    out = Result(settings={"rows": n, "training rows": 5000, "repeats": ctx.repeats,
                           "threads": torch.get_num_threads()})
    Xn = X70.numpy()
    small = Xn[:5000]
    ae = aekit.Autoencoder(latent_dim=LATENT, hidden_dims=HIDDEN, epochs=1, validation_split=0.0,
                           early_stopping=None, device="cpu", random_state=0).fit(small)
    det = aekit.AnomalyDetector(hidden_dims=[512, 256], latent_dim=LATENT, n_estimators=1, robust=False,
                                preprocessing="none", epochs=1, n_neighbors=0, input_pca=None,
                                validation_split=0.0, early_stopping=None, device="cpu", random_state=0).fit(small)
    model = ae.model_
    ae_auto = copy.deepcopy(ae).set_params(precision="auto")  # same weights, inference at precision='auto'

    def hand_encode():
        with torch.no_grad():
            model.encode(X70)

    def hand_scores():
        with torch.no_grad():
            ((model.reconstruct(X70) - X70) ** 2).mean(dim=1)

    contenders = {"hand encode (no_grad, one batch)": hand_encode, "aekit Autoencoder.transform": lambda: ae.transform(Xn),
                  "aekit Autoencoder.transform (precision=auto)": lambda: ae_auto.transform(Xn),
                  "hand reconstruction error (no_grad)": hand_scores,
                  "aekit AnomalyDetector.decision_function": lambda: det.decision_function(Xn)}
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder

        pyod_det = PyODAutoEncoder(hidden_neuron_list=[512, 256, LATENT], batch_norm=False, dropout_rate=0.0,
                                   preprocessing=False, epoch_num=1, batch_size=128, verbose=0,
                                   device=torch.device("cpu")).fit(small)
        contenders["PyOD AutoEncoder.decision_function"] = lambda: pyod_det.decision_function(Xn)
    except ImportError:
        pass
    times = {k: med(v) for k, v in alternate(contenders, ctx.repeats).items()}
    enc_flops = count_flops(model, X70[:64], method="encode")
    rows = []
    for k, t in times.items():
        f = enc_flops if "encode" in k or "transform" in k else count_flops(model, X70[:64], method="reconstruct")
        rows.append([k, fmt(t, 3), fmt(n / t / 1e3, 0), fmt(f * n / t / 1e9, 0)])
    out.tables.append(Table(["what", "median s", "k rows/s", "GFLOP/s"], rows))
    t = times["aekit Autoencoder.transform"]
    out.goals.append(Goal(f"transform of {n} Fashion-MNIST images on {torch.get_num_threads()} threads",
                          f"{t:.3f} s", "< 1 s", t < 1.0))
    t = times["aekit Autoencoder.transform (precision=auto)"]
    auto = resolve_precision("auto", torch.device("cpu"))
    out.goals.append(Goal(f"(same model, precision=auto: {auto}) transform of {n} images", f"{t:.3f} s", "< 1 s",
                          t < 1.0))
    codes, codes_auto = ae.transform(Xn[:10000]), ae_auto.transform(Xn[:10000])
    out.derived["max abs difference of auto and fp32 codes / max abs fp32 code (10,000 rows)"] = (
        f"{np.abs(codes_auto - codes).max() / np.abs(codes).max():.1e}")
    out.data = times
    return out


SECTION = Section("inference", "Inference: transform and anomaly scoring of 70,000 rows", run)
