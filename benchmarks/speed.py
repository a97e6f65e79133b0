"""Speed of aekit against a hand-written PyTorch loop, PyOD and pythae; writes BENCHMARKS.md.

Every comparison runs in this one process, contenders alternating, several repeats, and the
median time is reported, so that the noise of a shared machine mostly cancels in the ratios.
Peers (PyOD, pythae) are imported only here; run it in an environment that has them:

    flock /tmp/aekit-bench.lock nice -n 0 /work/bench-peers/bin/python benchmarks/speed.py
    python benchmarks/speed.py --quick                     # smaller data, 2 repeats (~5 min)
    python benchmarks/speed.py --only loop,peers --repeats 5

Workloads (``--only``): machine, peak, loop, peers, tabular, conv, inference, precision, quality, front, compile, best,
memory, threads. ``best`` (the 5-minute quality budget) runs only when named in ``--only`` or
with ``--best``. Needs Fashion-MNIST (``AEKIT_FASHION_MNIST_DIR``).
"""

from __future__ import annotations

import os

# Threads that wait at an OpenMP barrier sleep instead of spinning: on a shared machine a spinning
# thread holds the core its descheduled partner needs (measured in the "threads" section). Set
# before torch loads OpenMP; applies to every contender alike. On a quiet machine spinning is
# faster (small ops wake no sleeping thread): pass --omp-wait-policy=default there.
import sys  # noqa: E402

if not any(a == "--omp-wait-policy=default" for a in sys.argv):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import aekit  # noqa: E402
from aekit import TrainConfig, create_model, fit  # noqa: E402
from aekit.data import load_fashion_mnist  # noqa: E402
from aekit.training.device import cpu_has_fast_bf16, resolve_precision  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("machine", "peak", "loop", "peers", "tabular", "conv", "inference", "precision", "quality", "front", "compile", "best", "memory",
            "threads")
HIDDEN = (512, 256)
CONTEXT: dict = {}  # results one section hands to a later one
LATENT = 32


# -- helpers -----------------------------------------------------------------------------------------
def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> set[str]:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def alternate(contenders: dict, repeats: int) -> dict[str, list[float]]:
    """Run each contender once per round, in turn, ``repeats`` rounds; seconds per run."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def warm_up(X: torch.Tensor) -> None:
    """One untimed pass of every kind of run on a little data: thread pools, oneDNN kernels and
    allocator caches are set up before the first timed contender, not inside it."""
    small = X[:1024]
    for bs in (128, 512):
        for bf16 in (False, True):
            hand_loop(small, bs, 1, bf16=bf16)
            hand_loop(small, bs, 1, fused=True, bf16=bf16)
            aekit_fit(small, bs, 1, precision="bf16" if bf16 else "fp32")


def med(values: list[float]) -> float:
    return statistics.median(values)


def count_flops(model: nn.Module, example: torch.Tensor, method: str = "loss") -> float:
    """Forward FLOPs per sample (2 per multiply-add) of Linear, Conv2d and ConvTranspose2d layers."""
    total = [0.0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Linear):
            total[0] += 2 * module.in_features * module.out_features * output.numel() / module.out_features
        elif isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += 2 * module.in_channels // module.groups * k * output.numel()
        elif isinstance(module, nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += 2 * module.out_channels // module.groups * k * inputs[0].numel()

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        getattr(model, method)(example) if method else model(example)
    for h in handles:
        h.remove()
    return total[0] / len(example)


def train_gflops(forward_flops: float, samples: int, seconds: float) -> float:
    """Achieved training GFLOP/s, counting a training step as 3x the forward FLOPs (forward,
    gradient with respect to activations, gradient with respect to weights)."""
    return 3 * forward_flops * samples / seconds / 1e9


def mlp(act=nn.ReLU) -> nn.Sequential:
    """The hand-written loop's network: 784-512-256-32, mirrored decoder, linear code and output."""
    return nn.Sequential(
        nn.Linear(784, 512), act(), nn.Linear(512, 256), act(), nn.Linear(256, LATENT),
        nn.Linear(LATENT, 256), act(), nn.Linear(256, 512), act(), nn.Linear(512, 784),
    )


def hand_loop(X: torch.Tensor, batch_size: int, epochs: int, *, fused: bool = False, bf16: bool = False,
              make=mlp, channels_last: bool = False, seed: int = 0) -> nn.Module:
    """The minimal hand-written reference: random permutation, slices of an in-memory tensor,
    Adam, MSE. ``fused``/``bf16``/``channels_last`` give its tuned variants."""
    torch.manual_seed(seed)
    model = make()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True if fused else None)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            xb = X[perm[start:start + batch_size]]
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
                loss = F.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model


def aekit_fit(X: torch.Tensor, batch_size: int, epochs: int, precision: str = "fp32", grad_clip=None,
              recipe: str = "deep", channels_last: bool | None = None, **model_options) -> nn.Module:
    """aekit's low-level ``fit`` with the reference's settings: no validation split, no early
    stopping, no gradient clipping unless asked (the reference has none)."""
    torch.manual_seed(0)
    options = {"hidden_dims": HIDDEN} if recipe in ("deep", "vae") else {}
    model = create_model(recipe, tuple(X.shape[1:]), latent_dim=LATENT, **{**options, **model_options})
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=1e-3, validation_split=0.0, early_stopping=None,
                         grad_clip=grad_clip, precision=precision, progress=False, device="cpu", seed=0,
                         channels_last=channels_last)
    fit(model, X, config)
    return model


def test_mse(model, Xte: torch.Tensor) -> float:
    with torch.no_grad():
        recon = model.reconstruct(Xte) if hasattr(model, "reconstruct") else model(Xte)
    return float(((recon.float() - Xte) ** 2).mean())


# -- the report --------------------------------------------------------------------------------------
class Report:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.goals: list[tuple[str, str, str]] = []  # (goal, measured, verdict)

    def section(self, title: str, text: str = "") -> None:
        self.parts.append(f"\n## {title}\n")
        if text:
            self.parts.append(text.strip() + "\n")
        print(f"\n== {title}", flush=True)

    def table(self, header: list[str], rows: list[list]) -> None:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        self.parts.append("\n".join(lines) + "\n")
        print("\n".join(lines), flush=True)

    def note(self, text: str) -> None:
        self.parts.append(text.strip() + "\n")
        print(text.strip(), flush=True)

    def goal(self, goal: str, measured: str, met: bool | None) -> None:
        verdict = "not measured" if met is None else ("**met**" if met else "**not met**")
        self.goals.append((goal, measured, verdict))


def fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


# -- sections ----------------------------------------------------------------------------------------
def section_machine(rep: Report, args) -> dict:
    flags = cpu_flags()
    info = {
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "auto_precision": str(resolve_precision("auto", torch.device("cpu"))),
        "python": platform.python_version(),
        "aekit": aekit.__version__,
    }
    rep.section("Machine")
    rep.table(["what", "value"], [[k, v] for k, v in info.items()] + [["load at start", f"`{args.load_start}`"]])
    return info


def section_peak(rep: Report, args) -> dict[str, float]:
    """Best of square matmuls of a few sizes: the ceiling training could reach."""
    rep.section("Peak matmul throughput", "Square matrix products, best of sizes 1024 and 2048, "
                "measured in this run. These are the ceilings the training GFLOP/s below compare with.")
    peaks = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        best = 0.0
        for n in (1024, 2048):
            a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
            for _ in range(2):
                a @ b
            reps = max(3, int(4e10 / (2 * n**3)))
            for _ in range(args.repeats):
                start = time.perf_counter()
                for _ in range(reps):
                    a @ b
                best = max(best, 2 * n**3 * reps / (time.perf_counter() - start) / 1e9)
        peaks[name] = best
    rep.table(["dtype", "peak GFLOP/s"], [[k, fmt(v, 0)] for k, v in peaks.items()])
    return peaks


def section_loop(rep: Report, args, X, Xte, peaks) -> dict:
    n, epochs = len(X), args.epochs
    model = create_model("deep", (784,), latent_dim=LATENT, hidden_dims=HIDDEN)
    flops = count_flops(model, X[:64])
    rep.section(
        "Training loop: aekit vs a hand-written loop",
        f"MLP autoencoder 784-512-256-{LATENT} (mirrored decoder, ReLU, linear code and output), Adam lr 1e-3, "
        f"{epochs} epoch(s) over {n} Fashion-MNIST images, no validation split, no early stopping, no gradient "
        f"clipping (the hand loop has none). 'hand' is the minimal loop of the issue (randperm, slicing an "
        f"in-memory tensor, `torch.optim.Adam()` with its defaults, `F.mse_loss`); 'hand, fused Adam' is the same "
        f"loop with `Adam(fused=True)`, which aekit now uses by default. aekit's loss is half the summed squared "
        f"error per sample (its Gaussian likelihood); with Adam the scale of the loss barely matters. "
        f"Forward FLOPs per sample: {flops / 1e6:.2f} M; a training step counts 3x that. "
        f"{args.repeats} alternating repeats, median.",
    )
    results = {}
    rows = []
    for bs in (128, 512):
        contenders = {
            "hand (minimal, Adam default)": lambda: hand_loop(X, bs, epochs),
            "hand, fused Adam": lambda: hand_loop(X, bs, epochs, fused=True),
            "aekit fit (fp32)": lambda: aekit_fit(X, bs, epochs),
            "aekit fit (fp32, default grad_clip=1000)": lambda: aekit_fit(X, bs, epochs, grad_clip=1000.0),
            "hand, fused Adam, bf16 autocast": lambda: hand_loop(X, bs, epochs, fused=True, bf16=True),
            "aekit fit (precision=auto)": lambda: aekit_fit(X, bs, epochs, precision="auto"),
        }
        times = alternate(contenders, args.repeats)
        base = med(times["hand (minimal, Adam default)"])
        fused = med(times["hand, fused Adam"])
        for name, ts in times.items():
            t = med(ts)
            peak = peaks.get("bf16" if ("bf16" in name or "auto" in name) else "fp32")
            gf = train_gflops(flops, n * epochs, t)
            rows.append([bs, name, fmt(t), fmt(t / base), fmt(t / fused), fmt(gf, 0),
                         f"{100 * gf / peak:.0f}%" if peak else "-"])
        results[bs] = {k: med(v) for k, v in times.items()}
    CONTEXT["loop"], CONTEXT["loop_rows"] = results, n
    rep.table(["batch", "contender", "median s", "/ hand", "/ hand fused", "train GFLOP/s", "% of peak"], rows)
    for bs in (128, 512):
        r = results[bs]
        ratio = r["aekit fit (fp32)"] / r["hand (minimal, Adam default)"]
        rep.goal(f"aekit / hand-written loop <= 1.05 (fp32, batch {bs})", fmt(ratio), ratio <= 1.05)
        ratio_f = r["aekit fit (fp32)"] / r["hand, fused Adam"]
        rep.goal(f"(stricter) aekit / hand loop with fused Adam <= 1.05 (batch {bs})", fmt(ratio_f), ratio_f <= 1.05)
    for bs in (128, 512):
        r = results[bs]
        speedup = r["aekit fit (fp32)"] / r["aekit fit (precision=auto)"]
        rep.goal(f"bf16 (auto) >= 1.5x faster than fp32 (aekit, batch {bs})", f"{speedup:.2f}x", speedup >= 1.5)
    return results


class _PythaeNets:
    """pythae encoder/decoder with aekit's layer sizes (pythae's own MLPs have one 512 layer)."""

    @staticmethod
    def build():
        from pythae.models.base.base_utils import ModelOutput
        from pythae.models.nn import BaseDecoder, BaseEncoder

        class Encoder(BaseEncoder):
            def __init__(self):
                BaseEncoder.__init__(self)
                self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
                self.head = nn.Linear(256, 2 * LATENT)  # mu and log-variance, as aekit's one linear head

            def forward(self, x):
                mu, logvar = self.head(self.body(x)).chunk(2, dim=1)
                return ModelOutput(embedding=mu, log_covariance=logvar)

        class Decoder(BaseDecoder):
            def __init__(self):
                BaseDecoder.__init__(self)
                self.body = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                          nn.Linear(512, 784))

            def forward(self, z):
                return ModelOutput(reconstruction=self.body(z).reshape(-1, 1, 28, 28))

        return Encoder(), Decoder()


def hand_vae_loop(X: torch.Tensor, batch_size: int, epochs: int, seed: int = 0) -> nn.Module:
    """The hand-written VAE reference: the pythae/aekit VAE's layers (encoder 784-512-256 and one
    linear head for mu and log-variance, mirrored decoder), randperm + slices, fused Adam,
    0.5 * SSE + analytic KL per sample, batch mean."""
    torch.manual_seed(seed)
    enc = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 2 * LATENT))
    dec = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))
    model = nn.ModuleList([enc, dec])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            xb = X[perm[start:start + batch_size]]
            mu, logvar = enc(xb).chunk(2, dim=1)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            recon = 0.5 * (dec(z) - xb).pow(2).sum(1)
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
            loss = (recon + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model


def pythae_fit(X_img: np.ndarray, batch_size: int, epochs: int, workdir: str):
    from pythae.models import VAE, VAEConfig
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    torch.manual_seed(0)
    encoder, decoder = _PythaeNets.build()
    model = VAE(VAEConfig(input_dim=(1, 28, 28), latent_dim=LATENT, reconstruction_loss="mse"), encoder, decoder)
    config = BaseTrainerConfig(output_dir=workdir, num_epochs=epochs, per_device_train_batch_size=batch_size,
                               learning_rate=1e-3, optimizer_cls="Adam", keep_best_on_train=True, no_cuda=True,
                               seed=0)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        TrainingPipeline(training_config=config, model=model)(train_data=X_img)
    return model


def section_peers(rep: Report, args, X, peaks) -> dict:
    n, epochs, bs = len(X), args.epochs, 128
    Xn = X.numpy()
    rep.section(
        "Peers: PyOD AutoEncoder and pythae VAE",
        f"Identical architecture (784-512-256-{LATENT}, mirrored decoder), batch {bs}, Adam lr 1e-3, {epochs} "
        f"epoch(s) over {n} Fashion-MNIST images, fp32 for both sides unless marked, {args.repeats} alternating "
        "repeats, median.\n\n"
        "- PyOD `AutoEncoder(hidden_neuron_list=[512, 256, 32], batch_norm=False, dropout_rate=0, "
        "preprocessing=False, optimizer_params={'weight_decay': 0}, epoch_num, batch_size, lr=1e-3)`; its `fit` "
        "trains, then scores the training data. Against it: aekit `AnomalyDetector(hidden_dims=[512, 256], "
        "latent_dim=32, n_estimators=1, robust=False, preprocessing='none', validation_split=0, "
        "early_stopping=None)` (one autoencoder, no refit), whose `fit` also trains "
        "and then scores the training data. Not identical, and cannot be made so: PyOD applies ReLU to the 32-d "
        "code (its `LinearBlock` always has an activation) and drops the last incomplete batch; aekit keeps its "
        "default gradient-norm guard (`grad_clip=1000`, not exposed by AnomalyDetector). "
        "PyOD feeds a `DataLoader` over a per-row `Dataset` and calls `loss.item()` every step.\n"
        "- pythae `VAE` with encoder/decoder modules of the same sizes (pythae's default MLPs have a single "
        "512 layer), `reconstruction_loss='mse'` (0.5 * SSE + KL, the same objective as aekit's Gaussian VAE), "
        "through `TrainingPipeline` with `BaseTrainerConfig(num_epochs, per_device_train_batch_size, "
        "learning_rate=1e-3, optimizer_cls='Adam', keep_best_on_train=True)` (without an eval set pythae needs "
        "`keep_best_on_train` to keep a model; it deep-copies the best model each epoch and saves the final "
        "one to a temporary folder). Against it: aekit `VariationalAutoencoder(hidden_dims=(512, 256), "
        "latent_dim=32, preprocessing='none', validation_split=0, early_stopping=None)` (VAE default: no grad clip).",
    )
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder
        import pyod
        import pythae  # noqa: F401
    except ImportError as err:
        rep.note(f"Skipped: {err}. Run this script with the peers environment (/work/bench-peers/bin/python).")
        return {}
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
    times = {k: med(v) for k, v in alternate(contenders, args.repeats).items()}
    flops = count_flops(create_model("deep", (784,), latent_dim=LATENT, hidden_dims=HIDDEN), X[:64])
    rows = []
    for name, t in times.items():
        peer = times["PyOD AutoEncoder.fit"] if "Anomaly" in name or "PyOD" in name else times["pythae VAE TrainingPipeline"]
        rows.append([name, fmt(t), fmt(peer / t), fmt(train_gflops(flops, n * epochs, t), 0)])
    rep.table(["contender", "median s", "peer time / this", "train GFLOP/s (approx.)"], rows)
    rep.note(f"Versions: pyod {pyod.__version__}, pythae {_version('pythae')}. GFLOP/s counts the training "
             "FLOPs only (the scoring pass of the anomaly detectors is not counted).")
    loop = CONTEXT.get("loop", {}).get(bs)
    if loop and n == CONTEXT.get("loop_rows"):
        rep.note(
            f"The bound: the minimal hand-written loop trains the same network on the same data in "
            f"{loop['hand (minimal, Adam default)']:.2f} s and with fused Adam in {loop['hand, fused Adam']:.2f} s "
            f"(training section), so PyOD / hand-written = "
            f"{times['PyOD AutoEncoder.fit'] / loop['hand (minimal, Adam default)']:.2f} / "
            f"{times['PyOD AutoEncoder.fit'] / loop['hand, fused Adam']:.2f}. At identical settings the matrix "
            "products dominate and no implementation can be 10x faster than PyOD on this workload; only "
            "bf16 (where the hardware has it) moves the bound.")
    hand_vae = times["hand-written VAE loop (fp32, fused Adam)"]
    rep.note(f"The same bound for the VAE: pythae / hand-written VAE loop = "
             f"{times['pythae VAE TrainingPipeline'] / hand_vae:.2f} in fp32, so an fp32 ratio of 1.4 would need a "
             "loop faster than the hand-written one; aekit VAE / hand-written VAE loop = "
             f"{times['aekit VariationalAutoencoder.fit (fp32)'] / hand_vae:.2f}.")
    pyod_ratio = times["PyOD AutoEncoder.fit"] / times["aekit AnomalyDetector.fit (fp32)"]
    pyod_auto = times["PyOD AutoEncoder.fit"] / times["aekit AnomalyDetector.fit (precision=auto)"]
    pythae_ratio = times["pythae VAE TrainingPipeline"] / times["aekit VariationalAutoencoder.fit (fp32)"]
    pythae_auto = times["pythae VAE TrainingPipeline"] / times["aekit VariationalAutoencoder.fit (precision=auto)"]
    rep.goal("PyOD AutoEncoder time / aekit time >= 10 (identical settings, fp32)", fmt(pyod_ratio), pyod_ratio >= 10)
    rep.goal("(aekit at precision=auto, which PyOD cannot use) PyOD / aekit >= 10", fmt(pyod_auto), pyod_auto >= 10)
    rep.goal("pythae VAE time / aekit VAE time >= 1.4 (identical settings, fp32)", fmt(pythae_ratio),
             pythae_ratio >= 1.4)
    rep.goal("(aekit at precision=auto) pythae / aekit VAE >= 1.4", fmt(pythae_auto), pythae_auto >= 1.4)
    return times


def section_tabular(rep: Report, args) -> dict:
    """PyOD's home ground: a small tabular set and a small network, where per-row data loading and
    per-step host syncs, not matrix products, decide the time."""
    path = Path(os.environ.get("AEKIT_ADBENCH_DIR", ROOT.parent / "shared" / "datasets" / "adbench")) / "30_satellite.npz"
    rep.section(
        "Peers on tabular data: PyOD AutoEncoder",
        "ADBench satellite (6,435 rows, 36 features, min-max scaled once beforehand), network 36-64-32-64-36 "
        "(PyOD `hidden_neuron_list=[64, 32]`, no batch norm, no dropout, no preprocessing, no weight decay; "
        "aekit `AnomalyDetector(hidden_dims=[64], latent_dim=32, n_estimators=1, robust=False, preprocessing='none', "
        "validation_split=0, "
        "early_stopping=None)`), PyOD's default batch size 32 and 10 epochs, Adam lr 1e-3, fp32, fit = train + "
        f"score the training rows. {args.repeats} alternating repeats, median.",
    )
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder
    except ImportError as err:
        rep.note(f"Skipped: {err}.")
        return {}
    if not path.exists():
        rep.note(f"Skipped: {path} not found (set AEKIT_ADBENCH_DIR).")
        return {}
    X = np.load(path)["X"].astype(np.float32)
    X = (X - X.min(axis=0)) / np.maximum(X.max(axis=0) - X.min(axis=0), 1e-12)
    Xt = torch.from_numpy(X)

    def tiny():
        return nn.Sequential(nn.Linear(36, 64), nn.ReLU(), nn.Linear(64, 32), nn.Linear(32, 64), nn.ReLU(),
                             nn.Linear(64, 36))

    contenders = {
        "PyOD AutoEncoder.fit": lambda: PyODAutoEncoder(
            hidden_neuron_list=[64, 32], batch_norm=False, dropout_rate=0.0, preprocessing=False,
            optimizer_params={"weight_decay": 0.0}, epoch_num=10, batch_size=32, lr=1e-3, verbose=0,
            device=torch.device("cpu"), random_state=0).fit(X),
        "aekit AnomalyDetector.fit": lambda: aekit.AnomalyDetector(
            hidden_dims=[64], latent_dim=32, n_estimators=1, robust=False, preprocessing="none", epochs=10, batch_size=32, lr=1e-3,
            n_neighbors=0, input_pca=None,
            validation_split=0.0, early_stopping=None, device="cpu", random_state=0).fit(X),
        "hand-written loop, fused Adam (training only)": lambda: hand_loop(Xt, 32, 10, fused=True, make=tiny),
    }
    times = {k: med(v) for k, v in alternate(contenders, args.repeats).items()}
    peer = times["PyOD AutoEncoder.fit"]
    rep.table(["contender", "median s", "PyOD time / this"], [[k, fmt(t), fmt(peer / t)] for k, t in times.items()])
    ratio = peer / times["aekit AnomalyDetector.fit"]
    rep.note(f"Even the hand-written training loop alone (no scoring) is only "
             f"{peer / times['hand-written loop, fused Adam (training only)']:.1f}x faster than PyOD here: the "
             "forward/backward passes and Adam steps that any implementation must run bound the ratio.")
    rep.goal("(tabular, ADBench satellite, PyOD defaults for batch and epochs) PyOD / aekit >= 10", fmt(ratio),
             ratio >= 10)
    return times


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001
        return "?"


def conv_net() -> nn.Module:
    """aekit's "conv" recipe for 28x28 images (channels 32, 64), as a plain module for the hand loop."""
    model = create_model("conv", (1, 28, 28), latent_dim=LATENT)
    return nn.Sequential(model.encoder, model.decoder)


def section_conv(rep: Report, args, X) -> dict:
    n = min(len(X), args.conv_samples)
    Xi = X[:n].reshape(n, 1, 28, 28).contiguous()
    flops = count_flops(create_model("conv", (1, 28, 28), latent_dim=LATENT), Xi[:64])
    rep.section(
        "Small convolutional autoencoder",
        f"aekit's `conv` recipe (two stride-2 3x3 convolutions with 32 and 64 channels, linear code of {LATENT}, "
        f"transposed-convolution decoder), batch 128, 1 epoch over {n} images, Adam lr 1e-3, {args.repeats} "
        f"alternating repeats, median. The hand loop trains the same modules. Forward FLOPs per sample: "
        f"{flops / 1e6:.2f} M.",
    )
    contenders = {
        "hand, fused Adam (fp32)": lambda: hand_loop(Xi, 128, 1, fused=True, make=conv_net),
        "hand, fused Adam, channels_last (fp32)": lambda: hand_loop(Xi, 128, 1, fused=True, make=conv_net,
                                                                    channels_last=True),
        "aekit fit (fp32)": lambda: aekit_fit(Xi, 128, 1, recipe="conv"),
        "aekit fit (fp32, channels_last=False)": lambda: aekit_fit(Xi, 128, 1, recipe="conv", channels_last=False),
        "hand, fused Adam, bf16": lambda: hand_loop(Xi, 128, 1, fused=True, bf16=True, make=conv_net),
        "hand, fused Adam, channels_last, bf16": lambda: hand_loop(Xi, 128, 1, fused=True, bf16=True,
                                                                   make=conv_net, channels_last=True),
        "aekit fit (precision=auto)": lambda: aekit_fit(Xi, 128, 1, recipe="conv", precision="auto"),
        "aekit fit (precision=auto, channels_last=False)": lambda: aekit_fit(Xi, 128, 1, recipe="conv",
                                                                             precision="auto", channels_last=False),
    }
    times = {k: med(v) for k, v in alternate(contenders, args.repeats).items()}
    base = times["hand, fused Adam (fp32)"]
    rep.table(["contender", "median s", "/ hand fp32", "train GFLOP/s"],
              [[k, fmt(t), fmt(t / base), fmt(train_gflops(flops, n, t), 0)] for k, t in times.items()])
    cl32 = times["hand, fused Adam, channels_last (fp32)"] / base
    cl16 = times["hand, fused Adam, channels_last, bf16"] / times["hand, fused Adam, bf16"]
    a32 = times["aekit fit (fp32)"] / times["aekit fit (fp32, channels_last=False)"]
    a16 = times["aekit fit (precision=auto)"] / times["aekit fit (precision=auto, channels_last=False)"]
    rep.note(f"channels_last / default memory format: hand loop {cl32:.2f} in fp32, {cl16:.2f} in bf16; aekit "
             f"(`TrainConfig(channels_last=None)`, the default, = NHWC weights for conv models on the CPU) "
             f"{a32:.2f} in fp32, {a16:.2f} in bf16 (below 1 = faster).")
    return times


def section_inference(rep: Report, args, X70, peaks) -> dict:
    n = len(X70)
    rep.section(
        "Inference: transform and anomaly scoring of 70,000 rows",
        f"{n} Fashion-MNIST rows (train + test), 784 features, float32. Models trained 1 epoch on 5,000 rows "
        "first (inference cost does not depend on the weights). 'hand' is `model.encode(x)` / a reconstruction "
        f"pass on the whole tensor under `torch.no_grad()`. {args.repeats} alternating repeats, median.",
    )
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
    times = {k: med(v) for k, v in alternate(contenders, args.repeats).items()}
    enc_flops = count_flops(model, X70[:64], method="encode")
    rows = []
    for k, t in times.items():
        f = enc_flops if "encode" in k or "transform" in k else count_flops(model, X70[:64], method="reconstruct")
        rows.append([k, fmt(t, 3), fmt(n / t / 1e3, 0), fmt(f * n / t / 1e9, 0)])
    rep.table(["what", "median s", "k rows/s", "GFLOP/s"], rows)
    t = times["aekit Autoencoder.transform"]
    rep.goal(f"transform of {n} Fashion-MNIST images < 1 s on {torch.get_num_threads()} threads", f"{t:.3f} s", t < 1.0)
    t = times["aekit Autoencoder.transform (precision=auto)"]
    auto = resolve_precision("auto", torch.device("cpu"))
    rep.goal(f"(same model, precision=auto: {auto}) transform of {n} images < 1 s", f"{t:.3f} s", t < 1.0)
    codes, codes_auto = ae.transform(Xn[:10000]), ae_auto.transform(Xn[:10000])
    rep.note(f"precision=auto codes vs fp32 codes of the same weights (10,000 rows): largest difference "
             f"{np.abs(codes_auto - codes).max() / np.abs(codes).max():.1e} of the largest code value.")
    return times


def _fit_preset(name: str, Xtr: np.ndarray, **overrides) -> tuple[float, aekit.Autoencoder]:
    est = aekit.Autoencoder(**aekit.preset(name, random_state=0, device="cpu", **overrides))
    start = time.perf_counter()
    est.fit(Xtr)
    return time.perf_counter() - start, est


def _est_test_mse(est, Xte: np.ndarray) -> float:
    """Test MSE of the trained weights, evaluated in fp32 (a bf16-trained estimator would
    otherwise reconstruct in bf16, mixing inference rounding into the comparison)."""
    exact = copy.copy(est).set_params(precision="fp32")
    return float(np.mean((exact.reconstruct(Xte).astype(np.float64) - Xte) ** 2))


def section_precision(rep: Report, args, Xtr, Xte) -> dict:
    rep.section(
        "bf16 autocast: speed and quality",
        "The `fashion-mnist-fast` preset (see Time to quality) trained with `precision='fp32'` and with "
        "`precision='auto'` (which resolves to bf16 on CPUs with AMX or AVX512-BF16), same seed, whole training "
        "set; test MSE per pixel on the 10,000 test images. The 'no AMX' rows rerun a short hand-written "
        "bf16-vs-fp32 loop in a subprocess with oneDNN capped at AVX512-BF16 (`ONEDNN_MAX_CPU_ISA="
        "AVX512_CORE_BF16`), i.e. what a CPU with AVX512-BF16 but no AMX (AMD Zen 4, Intel Cooper Lake) can do.",
    )
    out = {}
    rows = []
    for precision in ("fp32", "auto"):
        quick = {"epochs": 2} if args.quick else {}
        seconds, est = _fit_preset("fashion-mnist-fast", Xtr, precision=precision, **quick)
        out[precision] = (seconds, _est_test_mse(est, Xte))
        rows.append([precision, fmt(seconds, 1), fmt(out[precision][1], 5)])
    rep.table(["precision", "fit s", "test MSE"], rows)
    (t32, m32), (tau, mau) = out["fp32"], out["auto"]
    rel = (mau - m32) / m32
    rep.note(f"auto / fp32: {t32 / tau:.2f}x faster, test MSE {100 * rel:+.1f}%.")
    rep.goal("bf16 (auto) test MSE within 3% of fp32", f"{100 * rel:+.1f}%", abs(rel) <= 0.03 or mau <= m32)
    rows = []
    for isa in ("AVX512_CORE_BF16", "DEFAULT"):
        env = {**os.environ, "ONEDNN_MAX_CPU_ISA": isa}
        code = ("import sys; sys.path.insert(0, %r); import speed, torch, time; X = torch.rand(4096, 784);"
                "speed.hand_loop(X, 512, 1, fused=True, bf16=True); r = {}\n"
                "for bs in (128, 512):\n"
                "    for bf in (False, True):\n"
                "        ts = []\n"
                "        for _ in range(%d):\n"
                "            t = time.perf_counter(); speed.hand_loop(X, bs, 1, fused=True, bf16=bf); ts.append(time.perf_counter() - t)\n"
                "        r[f'{bs}-{bf}'] = sorted(ts)[len(ts) // 2]\n"
                "print(r)") % (str(Path(__file__).parent), max(3, args.repeats))
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        try:
            r = eval(res.stdout.strip().splitlines()[-1])  # noqa: S307 (our own child's dict)
        except Exception:  # noqa: BLE001
            rep.note(f"subprocess for {isa} failed: {res.stderr[-500:]}")
            continue
        label = "AVX512-BF16 only (no AMX)" if isa != "DEFAULT" else "this CPU's best (AMX if present)"
        for bs in (128, 512):
            rows.append([label, bs, fmt(r[f"{bs}-False"], 3), fmt(r[f"{bs}-True"], 3),
                         f"{r[f'{bs}-False'] / r[f'{bs}-True']:.2f}x"])
    rep.table(["oneDNN ISA", "batch", "fp32 s", "bf16 s", "bf16 speed-up"], rows)
    return out


def section_quality(rep: Report, args, Xtr, Xte) -> dict:
    from sklearn.decomposition import PCA

    rep.section(
        "Time to quality",
        "`aekit.Autoencoder(**aekit.preset('fashion-mnist-fast'))` — equivalently "
        "`aekit train fashion-mnist --preset fashion-mnist-fast --out runs/fast` — on the 60,000 training images; "
        "the fit time is the whole `fit` call (preprocessing check, training, restoring weights). Test MSE per "
        "pixel on the 10,000 test images, against PCA with the same 32 components.",
    )
    pca = PCA(32, random_state=0).fit(Xtr)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(Xte)) - Xte) ** 2))
    seconds, est = _fit_preset("fashion-mnist-fast", Xtr)
    mse = _est_test_mse(est, Xte)
    rep.table(["model", "fit s", "test MSE"], [["PCA, 32 components", "-", fmt(pca_mse, 5)],
                                              ["aekit preset fashion-mnist-fast", fmt(seconds, 1), fmt(mse, 5)]])
    rep.note(f"Load while it ran: `{uptime()}`; threads: {torch.get_num_threads()}.")
    rep.goal("time to quality: test MSE <= 0.0100 in <= 20 s of training (2 cores)",
             f"{mse:.5f} in {seconds:.1f} s", mse <= 0.0100 and seconds <= 20)
    return {"seconds": seconds, "mse": mse, "pca": pca_mse}


def section_front(rep: Report, args, Xtr, Xte) -> dict:
    rep.section(
        "PCA front end (input_pca)",
        "The `fashion-mnist-fast` preset as it is (its MLP works on the top principal-component coordinates, "
        "`recipe_options['input_pca']`) and the same preset without the front end (the MLP reads all 784 pixels), "
        "same seed, epochs and schedule, one after the other; test MSE per pixel on the 10,000 test images.",
    )
    base = aekit.preset("fashion-mnist-fast")
    without = {k: v for k, v in base["recipe_options"].items() if k != "input_pca"}
    quick = {"epochs": 2} if args.quick else {}
    out, rows = {}, []
    for label, options in ((f"input_pca={base['recipe_options'].get('input_pca')}", base["recipe_options"]),
                           ("no front end", without)):
        seconds, est = _fit_preset("fashion-mnist-fast", Xtr, recipe_options=options, **quick)
        out[label] = (seconds, _est_test_mse(est, Xte))
        rows.append([label, fmt(seconds, 1), fmt(out[label][1], 5)])
    rep.table(["MLP input", "fit s", "test MSE"], rows)
    (t_pca, m_pca), (t_raw, m_raw) = out.values()
    rep.note(f"front end / no front end: {t_raw / t_pca:.2f}x faster, test MSE {100 * (m_pca - m_raw) / m_raw:+.1f}%. "
             f"Load: `{uptime()}`.")
    return out


def section_compile(rep: Report, args, X: torch.Tensor) -> dict:
    rep.section(
        "torch.compile",
        "`TrainConfig(compile=True)` compiles the training loss (forward + loss). Steps of the `fashion-mnist-fast` "
        "MLP (batch 256, fused Adam), without and with its PCA front end, eager and compiled, alternating, median ms "
        "per step. Compile s: the first compiled step of each model in this process.",
    )
    from aekit import create_model

    xb = X[:256].contiguous()
    preset = aekit.preset("fashion-mnist-fast")
    rows, out = [], {}
    for label, pca in (("784-512-256-32", None), (f"same, input_pca={preset['recipe_options'].get('input_pca')}",
                                                   preset["recipe_options"].get("input_pca"))):
        options = dict(latent_dim=32, hidden_dims=list(preset["hidden_dims"]), activation="silu")
        if pca:
            options["input_pca"] = pca
        torch.manual_seed(0)
        model = create_model("deep", (784,), **options)
        if pca:
            model.encoder[0].init_from_data(X[:10000])
        opt = torch.optim.Adam(model.parameters(), 1e-3, fused=True)
        start = time.perf_counter()
        compiled = torch.compile(model.loss)
        compiled(xb).total.backward()
        compile_s = time.perf_counter() - start

        def steps(fn, n=30):
            t = time.perf_counter()
            for _ in range(n):
                out_ = fn(xb)
                opt.zero_grad()
                out_.total.backward()
                opt.step()
            return (time.perf_counter() - t) / n * 1e3

        eager, comp = [], []
        for _ in range(max(3, args.repeats)):
            eager.append(steps(model.loss))
            comp.append(steps(compiled))
        out[label] = (med(eager), med(comp), compile_s)
        rows.append([label, fmt(med(eager), 2), fmt(med(comp), 2), f"{med(eager) / med(comp):.2f}x", fmt(compile_s, 1)])
    rep.table(["model", "eager ms/step", "compiled ms/step", "speed-up", "compile s"], rows)
    rep.note(f"Load: `{uptime()}`.")
    return out


def section_best(rep: Report, args, Xtr, Xte) -> dict:
    best = aekit.preset("fashion-mnist-best")
    steps = best.get("refine_codes", 0)
    augment = [{"name": "horizontal_flip"}, {"name": "random_translate", "pixels": 1}]
    rep.section("Best reconstruction in a 5-minute budget",
                "`aekit.Autoencoder(**aekit.preset('fashion-mnist-best'))` on the 60,000 training images: "
                f"a 320-{'-'.join(map(str, best['hidden_dims']))}-32 GELU MLP on 320 principal coordinates, "
                f"{best['epochs']} one-cycle epochs, whose `reconstruct` refines each code with {steps} Adam steps "
                "through the fixed decoder (`refine_codes`); then the same trained on randomly flipped and "
                "1-pixel-shifted images (`augment`). 'recon s' is the time of `reconstruct` on the 10,000 test "
                "images (fp32, the refinement included), which the budget counts with `fit`. MSEs of the trained "
                "weights in fp32.")
    seconds, est = _fit_preset("fashion-mnist-best", Xtr)
    start = time.perf_counter()
    mse = _est_test_mse(est, Xte)
    recon_s = time.perf_counter() - start
    est.set_params(refine_codes=0)
    rows = [["aekit preset fashion-mnist-best", fmt(seconds, 1), fmt(recon_s, 1), fmt(mse, 5),
             fmt(_est_test_mse(est, Xte), 5), fmt(_est_test_mse(est, Xtr[:10000]), 5)]]
    aug_seconds, aug = _fit_preset("fashion-mnist-best", Xtr, input_shape=(1, 28, 28),
                                   recipe_options={**best["recipe_options"], "augment": augment})
    aug_refined = _est_test_mse(aug, Xte)
    aug.set_params(refine_codes=0)
    rows.append(["the same with augment (flips, 1-pixel shifts)", fmt(aug_seconds, 1), "-", fmt(aug_refined, 5),
                 fmt(_est_test_mse(aug, Xte), 5), fmt(_est_test_mse(aug, Xtr[:10000]), 5)])
    rep.table(["model", "fit s", "recon s", f"test MSE, refine_codes={steps}", "test MSE, encoder's codes",
               "train MSE (10,000 rows, encoder's codes)"], rows)
    rep.note(f"Load while it ran: `{uptime()}`.")
    total = seconds + recon_s
    rep.goal("best 32-d test MSE in a 5-minute CPU budget <= 0.0065 (fit + reconstructing the test set)",
             f"{mse:.5f} in {seconds:.0f} + {recon_s:.0f} s", mse <= 0.0065 and total <= 300)
    return {"seconds": seconds, "mse": mse, "recon_seconds": recon_s}


def section_memory(rep: Report, args) -> dict:
    rep.section(
        "Peak memory of fit",
        "A fresh process loads Fashion-MNIST (60,000 x 784 float32, 188 MB), then fits "
        "`aekit.Autoencoder(**preset('fashion-mnist-fast', epochs=1))`; peak resident set size (VmHWM) of "
        "that process, and the same after loading the data only.",
    )
    code = ("import numpy as np, aekit\n"
            "from aekit.data import load_fashion_mnist\n"
            "def hwm():\n"
            "    return [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "X = np.asarray(load_fashion_mnist('train').X).reshape(60000, -1)\n"
            "base = hwm()\n"
            "%s\n"
            "print(base, hwm())")
    fit_line = "aekit.Autoencoder(**aekit.preset('fashion-mnist-fast', epochs=1, device='cpu')).fit(X)"
    res = subprocess.run([sys.executable, "-c", code % fit_line], capture_output=True, text=True)
    try:
        base, peak = map(float, res.stdout.strip().splitlines()[-1].split())
    except Exception:  # noqa: BLE001
        rep.note(f"failed: {res.stderr[-800:]}")
        return {}
    rep.table(["process", "peak RSS MB"], [["after loading the data", fmt(base, 0)], ["after fit", fmt(peak, 0)]])
    rep.goal("peak memory of fit on Fashion-MNIST < 1.5 GB", f"{peak:.0f} MB", peak < 1536)
    return {"base": base, "peak": peak}


def section_threads(rep: Report, args) -> dict:
    rep.section(
        "Thread settings",
        "A short hand-written fp32 loop (4,096 random rows, batch 128 and 512, fused Adam) in fresh "
        "processes, alternating, with OpenMP's default wait policy (threads spin at barriers) and with "
        "`OMP_WAIT_POLICY=PASSIVE` (they sleep), and with 1 thread. On a machine shared with other jobs a spinning "
        "thread holds the core that its descheduled partner needs, so this script sets PASSIVE for every contender "
        "unless run with --omp-wait-policy=default (right on a quiet machine, where spinning is faster).",
    )
    code = ("import sys, time, torch; sys.path.insert(0, %r); import speed; X = torch.rand(4096, 784)\n"
            "torch.set_num_threads(%d); speed.hand_loop(X[:512], 128, 1, fused=True); r = []\n"
            "for bs in (128, 512):\n"
            "    t = time.perf_counter(); speed.hand_loop(X, bs, 1, fused=True); r.append(time.perf_counter() - t)\n"
            "print(r)")
    settings = {"2 threads, default wait policy": ("", 2), "2 threads, OMP_WAIT_POLICY=PASSIVE": ("PASSIVE", 2),
                "1 thread": ("PASSIVE", 1)}
    times: dict[str, list] = {k: [] for k in settings}
    for _ in range(max(3, args.repeats)):
        for name, (policy, threads) in settings.items():
            env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
            if policy:
                env["OMP_WAIT_POLICY"] = policy
            res = subprocess.run([sys.executable, "-c", code % (str(Path(__file__).parent), threads)], env=env,
                                 capture_output=True, text=True)
            try:
                times[name].append(eval(res.stdout.strip().splitlines()[-1]))  # noqa: S307
            except Exception:  # noqa: BLE001
                rep.note(f"{name}: failed {res.stderr[-300:]}")
    rows = []
    for name, runs in times.items():
        if runs:
            rows.append([name, fmt(med([r[0] for r in runs]), 3), fmt(med([r[1] for r in runs]), 3),
                         fmt(max(r[0] for r in runs), 3)])
    rep.table(["setting", "batch 128 median s", "batch 512 median s", "batch 128 worst s"], rows)
    rep.note(f"Load: `{uptime()}`.")
    return times


# -- main --------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 training rows, 2 repeats: a smoke run")
    parser.add_argument("--only", default=None, help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--best", action="store_true", help="also run the 5-minute quality budget")
    parser.add_argument("--repeats", type=int, default=None, help="alternating repeats (default 3; 2 with --quick)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed training run")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--omp-wait-policy", choices=["passive", "default"], default="passive",
                        help="'passive' (default) sets OMP_WAIT_POLICY=PASSIVE unless it is set already, for "
                             "shared machines; 'default' leaves OpenMP's own policy (faster on a quiet machine). "
                             "Give it as --omp-wait-policy=default: it is read before torch loads")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="markdown file to write ('' for none)")
    args = parser.parse_args()
    args.repeats = args.repeats or (2 if args.quick else 3)
    args.conv_samples = 5000 if args.quick else 20000
    if args.threads:
        torch.set_num_threads(args.threads)
    only = set(args.only.split(",")) if args.only else set(SECTIONS) - ({"best"} if not args.best else set())
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    args.load_start = uptime()
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
    started = time.perf_counter()

    train = load_fashion_mnist("train")
    test = load_fashion_mnist("test")
    Xtr_full = np.asarray(train.X, dtype=np.float32).reshape(len(train.X), -1)
    Xte = np.asarray(test.X, dtype=np.float32).reshape(len(test.X), -1)
    n_loop = 10000 if args.quick else len(Xtr_full)
    X = torch.from_numpy(Xtr_full[:n_loop]).contiguous()
    Xte_t = torch.from_numpy(Xte)
    rep = Report()
    peaks: dict[str, float] = {}
    section_machine(rep, args)  # always: the numbers mean little without it
    warm_up(X)
    X70 = torch.from_numpy(np.concatenate([Xtr_full, Xte]))
    runs = {
        "peak": lambda: peaks.update(section_peak(rep, args)),
        "loop": lambda: section_loop(rep, args, X, Xte_t, peaks),
        "peers": lambda: section_peers(rep, args, X, peaks),
        "tabular": lambda: section_tabular(rep, args),
        "conv": lambda: section_conv(rep, args, X),
        "inference": lambda: section_inference(rep, args, X70, peaks),
        "precision": lambda: section_precision(rep, args, Xtr_full, Xte),
        "quality": lambda: section_quality(rep, args, Xtr_full, Xte),
        "front": lambda: section_front(rep, args, Xtr_full, Xte),
        "compile": lambda: section_compile(rep, args, X),
        "best": lambda: section_best(rep, args, Xtr_full, Xte),
        "memory": lambda: section_memory(rep, args),
        "threads": lambda: section_threads(rep, args),
    }
    for name, run in runs.items():
        if name not in only:
            continue
        try:
            run()
        except Exception as err:  # noqa: BLE001  (one broken section must not lose the others)
            rep.note(f"Section {name!r} failed: {type(err).__name__}: {err}")
        write(rep, args, command, started)


def write(rep: Report, args, command: str, started: float) -> None:
    """Write the report so far (after every section, so an interrupted run keeps what it measured)."""
    minutes = (time.perf_counter() - started) / 60
    head = [
        "# aekit benchmarks\n",
        f"Written by `{command}` (run under `flock /tmp/aekit-bench.lock nice -n 0 ...` with the peers "
        f"environment's Python), {minutes:.1f} minutes up to its last section. Every number below comes from that one run. "
        "Timed contenders alternate within each repeat and the median is reported, so the ratios are "
        "what to read: the machine is shared and its absolute speed varies with the load.\n",
        f"- load at start: `{args.load_start}`\n- load at end: `{uptime()}`\n",
        "\n## What changed for speed, and why\n",
        "Kept because the sections below show that they pay:\n\n"
        "- fused optimizer steps by default (`Adam(fused=True)` and the like; Training loop: 'hand' vs "
        "'hand, fused Adam');\n"
        "- `precision='auto'`: bf16 autocast on CUDA and on CPUs with AMX or AVX512-BF16 (bf16 autocast section; an "
        "earlier oneDNN-capped emulation on an AMX Xeon had suggested AVX512-BF16 alone was slower, a real AMD "
        "EPYC says otherwise);\n"
        "- fewer small ops per step: loss parts accumulated as one stacked tensor with one host sync per epoch, "
        "one fused `mse_loss` kernel for the Gaussian likelihood, the parameter list for gradient clipping built "
        "once;\n"
        "- the per-batch one-cycle schedule (`scheduler='onecycle'`) and the named presets `fashion-mnist-fast` / "
        "`fashion-mnist-best` (Time to quality);\n"
        "- a fixed principal-component front end for MLPs (`recipe_options={'input_pca': k}`), used by both "
        "presets: cheaper steps and faster convergence on images (PCA front end);\n"
        "- inference (`transform`, `reconstruct`, `score_samples`) at the estimator's precision, so a model "
        "trained with `precision='auto'` also encodes in bf16 (Inference);\n"
        "- no float64 copy of the data for preprocessing statistics, and float32 reconstruction errors for float32 "
        "data that needs no scaling (Inference, Peak memory); inference reads float32 input in place and fills "
        "one preallocated output (Inference);\n"
        "- `channels_last` (NHWC) convolution weights for conv models on the CPU (`TrainConfig(channels_last=None)`, "
        "the default; Small convolutional autoencoder: aekit with and without);\n"
        "- for the best reconstruction rather than speed: `refine_codes`, a few Adam steps on each code through the "
        "fixed decoder at inference (Best reconstruction in a 5-minute budget).\n\n"
        "Not adopted: `torch.compile` as a default (an option, `TrainConfig(compile=True)`: section torch.compile shows its "
        "per-step gain and its compile time, which a 20-second budget cannot repay); changing thread settings inside the library (Thread settings: "
        "`OMP_WAIT_POLICY=PASSIVE` is recommended in docs/performance.md for shared machines instead).\n",
        "\n## Goals of issue #8\n",
        "| goal | measured | verdict |\n|---|---|---|\n" + "".join(f"| {g} | {m} | {v} |\n" for g, m, v in rep.goals),
    ]
    text = "\n".join(head) + "".join(rep.parts)
    if args.out:
        Path(args.out).write_text(text)
        print("\n".join(f"{v:12s} {g}: {m}" for g, m, v in rep.goals))
        print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
