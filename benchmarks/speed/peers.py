"""Peers: PyOD AutoEncoder and pythae VAE, at identical settings where they can be made so.

Architecture 784-512-256-32 with a mirrored decoder, batch 128, Adam lr 1e-3, ``--epochs``
epoch(s) over the Fashion-MNIST training rows, fp32 on both sides unless marked, contenders
alternating, ``--repeats`` rounds, median. Needs pyod and pythae (the peers environment).

- PyOD ``AutoEncoder(hidden_neuron_list=[512, 256, 32], batch_norm=False, dropout_rate=0,
  preprocessing=False, optimizer_params={'weight_decay': 0}, epoch_num, batch_size, lr=1e-3)``; its
  ``fit`` trains, then scores the training data. Against it: aekit ``AnomalyDetector(hidden_dims=[512,
  256], latent_dim=32, n_estimators=1, robust=False, preprocessing='none', n_neighbors=0,
  input_pca=None, validation_split=0, early_stopping=None)`` (one autoencoder, no refit), whose ``fit``
  also trains and then scores the training data. Not identical, and cannot be made so: PyOD applies
  ReLU to the 32-d code (its ``LinearBlock`` always has an activation) and drops the last incomplete
  batch; aekit keeps its default gradient-norm guard (``grad_clip=1000``, not exposed by
  AnomalyDetector). PyOD feeds a ``DataLoader`` over a per-row ``Dataset`` and calls ``loss.item()``
  every step.
- pythae ``VAE`` with encoder/decoder modules of the same sizes (pythae's default MLPs have a single
  512 layer), ``reconstruction_loss='mse'`` (0.5 * SSE + KL, aekit's Gaussian VAE objective), through
  ``TrainingPipeline`` with ``BaseTrainerConfig(num_epochs, per_device_train_batch_size,
  learning_rate=1e-3, optimizer_cls='Adam', keep_best_on_train=True)`` (without an eval set pythae
  needs ``keep_best_on_train`` to keep a model; it deep-copies the best model each epoch and saves the
  final one to a temporary folder). Against it: aekit ``VariationalAutoencoder(hidden_dims=(512, 256),
  latent_dim=32, preprocessing='none', validation_split=0, early_stopping=None)`` (no grad clip), and a
  hand-written VAE loop (``peer_models.hand_vae_loop``).

GFLOP/s counts the training FLOPs only (the scoring pass of the anomaly detectors is not counted).
The derived 'bound' rows divide PyOD's time by the hand-written loop's of the training loop section
(same network, same data, when that section ran on the same rows): at identical settings the matrix
products dominate, and no implementation can be much faster than that loop.
"""

from __future__ import annotations

import logging
import tempfile

import torch

import aekit
from aekit import create_model

from .harness import Context, Goal, Result, Section, Table, alternate, fmt, med
from .peer_models import hand_vae_loop, pythae_fit, version
from .workloads import HIDDEN, LATENT, count_flops, train_gflops


def run(ctx: Context) -> Result:
    X = ctx.data.X
    n, epochs, bs = len(X), ctx.epochs, 128
    Xn = X.numpy()
    out = Result(settings={"rows": n, "epochs": epochs, "batch": bs, "repeats": ctx.repeats})
    try:
        import pyod
        import pythae  # noqa: F401
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder
    except ImportError as err:
        out.notes.append(f"Skipped: {err}.")
        return out
    import pythae.pipelines  # noqa: F401  (its modules create their loggers on import)
    import pythae.trainers  # noqa: F401
    logging.getLogger("pythae").setLevel(logging.ERROR)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("pythae"):
            logging.getLogger(name).setLevel(logging.ERROR)
    det_params = dict(hidden_dims=[512, 256], latent_dim=LATENT, n_estimators=1, robust=False, preprocessing="none",
                      n_neighbors=0, input_pca=None,  # one network, as PyOD's
                      epochs=epochs,
                      batch_size=bs, lr=1e-3, validation_split=0.0, early_stopping=None, device="cpu", random_state=0)
    vae_params = dict(hidden_dims=(512, 256), latent_dim=LATENT, preprocessing="none", epochs=epochs, batch_size=bs,
                      lr=1e-3, validation_split=0.0, early_stopping=None, device="cpu", random_state=0)
    workdir = tempfile.mkdtemp(prefix="aekit-speed-")
    X_img = Xn.reshape(-1, 1, 28, 28)
    contenders = {
        "PyOD AutoEncoder.fit": lambda: PyODAutoEncoder(
            hidden_neuron_list=[512, 256, LATENT], batch_norm=False, dropout_rate=0.0, preprocessing=False,
            optimizer_params={"weight_decay": 0.0}, epoch_num=epochs, batch_size=bs, lr=1e-3, verbose=0,
            device=torch.device("cpu"), random_state=0).fit(Xn),
        "aekit AnomalyDetector.fit (fp32)": lambda: aekit.AnomalyDetector(**det_params).fit(Xn),
        "aekit AnomalyDetector.fit (precision=auto)": lambda: aekit.AnomalyDetector(
            **det_params, precision="auto").fit(Xn),
        "pythae VAE TrainingPipeline": lambda: pythae_fit(X_img, bs, epochs, workdir),
        "hand-written VAE loop (fp32, fused Adam)": lambda: hand_vae_loop(X, bs, epochs),
        "aekit VariationalAutoencoder.fit (fp32)": lambda: aekit.VariationalAutoencoder(**vae_params).fit(Xn),
        "aekit VariationalAutoencoder.fit (precision=auto)": lambda: aekit.VariationalAutoencoder(
            **vae_params, precision="auto").fit(Xn),
    }
    times = {k: med(v) for k, v in alternate(contenders, ctx.repeats).items()}
    flops = count_flops(create_model("deep", (784,), latent_dim=LATENT, hidden_dims=HIDDEN), X[:64])
    rows = []
    for name, t in times.items():
        peer = times["PyOD AutoEncoder.fit"] if "Anomaly" in name or "PyOD" in name else times["pythae VAE TrainingPipeline"]
        rows.append([name, fmt(t), fmt(peer / t), fmt(train_gflops(flops, n * epochs, t), 0)])
    out.tables.append(Table(["contender", "median s", "peer time / this", "train GFLOP/s (approx.)"], rows))
    out.derived = {"pyod version": pyod.__version__, "pythae version": version("pythae")}
    loop = ctx.earlier("loop")
    hand = loop.get("times", {}).get(bs)
    if hand and n == loop.get("rows"):
        pyod_t = times["PyOD AutoEncoder.fit"]
        out.derived["hand-written loop s (training loop section)"] = f"{hand['hand (minimal, Adam default)']:.2f}"
        out.derived["hand-written loop, fused Adam s"] = f"{hand['hand, fused Adam']:.2f}"
        out.derived["PyOD / hand-written loop"] = f"{pyod_t / hand['hand (minimal, Adam default)']:.2f}"
        out.derived["PyOD / hand-written loop, fused Adam"] = f"{pyod_t / hand['hand, fused Adam']:.2f}"
    hand_vae = times["hand-written VAE loop (fp32, fused Adam)"]
    out.derived["pythae / hand-written VAE loop (fp32)"] = f"{times['pythae VAE TrainingPipeline'] / hand_vae:.2f}"
    out.derived["aekit VAE / hand-written VAE loop (fp32)"] = (
        f"{times['aekit VariationalAutoencoder.fit (fp32)'] / hand_vae:.2f}")
    pyod_t, pythae_t = times["PyOD AutoEncoder.fit"], times["pythae VAE TrainingPipeline"]
    out.goals = [
        Goal.compare("PyOD AutoEncoder time / aekit time (identical settings, fp32)",
                     pyod_t / times["aekit AnomalyDetector.fit (fp32)"], ">=", 10),
        Goal.compare("(aekit at precision=auto, which PyOD cannot use) PyOD / aekit",
                     pyod_t / times["aekit AnomalyDetector.fit (precision=auto)"], ">=", 10),
        Goal.compare("pythae VAE time / aekit VAE time (identical settings, fp32)",
                     pythae_t / times["aekit VariationalAutoencoder.fit (fp32)"], ">=", 1.4),
        Goal.compare("(aekit at precision=auto) pythae / aekit VAE",
                     pythae_t / times["aekit VariationalAutoencoder.fit (precision=auto)"], ">=", 1.4),
    ]
    out.data = times
    return out


SECTION = Section("peers", "Peers: PyOD AutoEncoder and pythae VAE", run)
