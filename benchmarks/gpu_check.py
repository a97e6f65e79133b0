"""One short check of aekit on a GPU: does everything train there, at every precision?

    python benchmarks/gpu_check.py                       # on CUDA: about 5 minutes on one GPU
    python benchmarks/gpu_check.py --device cpu --quick  # a smoke test of the script itself
    python benchmarks/gpu_check.py --only recipes,ddp --out gpu_check.md

Parts (``--only`` picks some):

- ``recipes``: every registered recipe (``aekit.list_recipes()``) trains one short epoch in fp32,
  bf16 and fp16 on the device; its loss must be finite and its weights on the device.
- ``ssl``: the same for every self-supervised method (``aekit.ssl.list_methods()``).
- ``estimators``: every registered estimator fits for one epoch on the device, at each precision
  it takes a ``precision`` parameter for (the others once, at fp32).
- ``ddp``: ``aekit.fit`` under ``torchrun`` with aekit's own process group (nccl on CUDA, gloo on
  the CPU): 2 processes when 2 GPUs exist, else 1 (one process joins the group, trains and
  all-reduces, but DDP only wraps the model from 2 processes on); its losses must match one
  plain process.
- ``throughput``: samples/s of ``aekit.fit`` for an MLP and a convolutional autoencoder, on the
  device at each precision and on the CPU at fp32 (timings end with ``torch.cuda.synchronize``).

It prints one markdown table per part and a summary, and exits with status 1 when any check
failed. The CPU mode exists so that the script is known to work before a GPU is at hand.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
try:
    import aekit  # noqa: F401
except ImportError:  # a bare checkout (a GPU machine without aekit installed): use the source tree
    sys.path.insert(0, str(ROOT / "src"))

from aekit import TrainConfig, create_model, fit, list_recipes
from aekit._files import write_text
from aekit.estimators import ESTIMATORS
from aekit.ssl import create_method, list_methods

PRECISIONS = ("fp32", "bf16", "fp16")
PARTS = ("recipes", "ssl", "estimators", "ddp", "throughput")

# Small options that make each SSL method cheap on 8x8 images (as in tests/ssl/test_ssl_methods.py).
CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}
VIT = {"backbone_options": {"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}}
SSL_OPTIONS = {
    "mae": VIT,
    "jepa": VIT,
    "masked_features": {"backbone_options": {"out_features": 16, "hidden_dims": [32]}},
    "jigsaw": {**CONV, "grid": 2, "n_permutations": 10},
}


# -- data ------------------------------------------------------------------------------------------
def digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits in [0, 1] (no download), the first ``n`` rows, and labels."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data[:n] / 16.0).astype(np.float32), d.target[:n]


def ssl_data(name: str, n: int) -> torch.Tensor:
    X = torch.from_numpy(digits(n)[0])
    if name == "masked_features":
        return X
    images = X.reshape(-1, 1, 8, 8)
    if name == "colorization":  # tinted digits: colour to predict
        return images.expand(-1, 3, -1, -1) * torch.rand(len(images), 3, 1, 1, generator=torch.Generator().manual_seed(0))
    return images


DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "the mat and the log"] * 10


def estimator_case(name: str, device: str, n: int):
    """(parameters, fit arguments) of a one-epoch fit of the estimator called ``name``."""
    X, y = digits(n)
    common = {"device": device, "random_state": 0}
    steps = np.arange(max(n, 200), dtype=np.float32)
    series = np.stack([np.sin(steps / 7), np.cos(steps / 11)], axis=1)
    cases = {
        "Autoencoder": ({"latent_dim": 4, "epochs": 1}, (X,)),
        "VariationalAutoencoder": ({"latent_dim": 4, "epochs": 1}, (X,)),
        "AnomalyDetector": ({"epochs": 1}, (X,)),
        "TimeSeriesAnomalyDetector": ({"window": 8, "epochs": 1}, (series,)),
        "SelfSupervised": ({"method": "masked_features", "epochs": 1}, (X,)),
        "PretrainedClassifier": ({"hidden_dims": (16,), "latent_dim": 8, "pretrain_epochs": 1,
                                  "finetune_epochs": 1}, (X, y)),
        "Word2Vec": ({"dim": 8, "epochs": 1, "min_count": 1}, (DOCS,)),
        "MaskedTokenModel": ({"dim": 8, "epochs": 1, "min_count": 1}, (DOCS,)),
    }
    if name not in cases:
        raise KeyError(f"gpu_check.py has no case for the estimator {name!r}: add one to estimator_case")
    params, args = cases[name]
    return {**common, **params}, args


# -- running one check -----------------------------------------------------------------------------
def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def attempt(run) -> str:
    """``run()`` returns a short result; an exception becomes ``FAIL: <type>: <first line>``."""
    start = time.perf_counter()
    try:
        result = run()
    except ValueError as err:
        if str(err).startswith("precision='fp16' on the CPU"):  # a torch limit of CPUs, not of aekit
            return "n/a (no fp16 kernel on this CPU)"
        return f"FAIL: ValueError: {_first_line(err)}"
    except Exception as err:  # noqa: BLE001  (every failure is a row of the table, not an abort)
        if os.environ.get("GPU_CHECK_TRACEBACKS"):
            traceback.print_exc()
        return f"FAIL: {type(err).__name__}: {_first_line(err)}"
    return f"{result} ({time.perf_counter() - start:.1f} s)"


def _first_line(err: Exception) -> str:
    """The error's first line, short and safe inside a markdown table cell."""
    return (str(err).strip().splitlines() or [""])[0][:120].replace("|", "\\|")


def checked_loss(model: torch.nn.Module, history, device: torch.device) -> str:
    loss = history["train_total"][-1]
    if not math.isfinite(loss):
        raise RuntimeError(f"the loss is {loss}")
    where = {p.device.type for p in model.parameters()}
    if where != {device.type}:
        raise RuntimeError(f"weights on {sorted(where)}, expected {device.type}")
    return f"ok {loss:.4g}"


def one_epoch(precision: str, device: torch.device, **options) -> TrainConfig:
    return TrainConfig(epochs=1, batch_size=64, lr=1e-3, validation_split=0.0, early_stopping=None,
                       progress=False, device=str(device), precision=precision, **options)


# -- the parts -------------------------------------------------------------------------------------
def check_recipes(device: torch.device, n: int, names=None) -> list[list[str]]:
    X = torch.from_numpy(digits(n)[0]).reshape(-1, 1, 8, 8)
    rows = []
    for name in names or list_recipes():
        def run(name=name, precision="fp32"):
            torch.manual_seed(0)
            model = create_model(name, (1, 8, 8))
            return checked_loss(model, fit(model, X, one_epoch(precision, device)), device)

        rows.append([name, *(attempt(lambda p=p, run=run: run(precision=p)) for p in PRECISIONS)])
    return rows


def check_ssl(device: torch.device, n: int, names=None) -> list[list[str]]:
    rows = []
    for name in names or list_methods():
        def run(name=name, precision="fp32"):
            X = ssl_data(name, n)
            torch.manual_seed(0)
            model = create_method(name, X.shape[1:], **SSL_OPTIONS.get(name, CONV))
            return checked_loss(model, fit(model, X, one_epoch(precision, device)), device)

        rows.append([name, *(attempt(lambda p=p, run=run: run(precision=p)) for p in PRECISIONS)])
    return rows


def check_estimators(device: torch.device, n: int, names=None) -> list[list[str]]:
    rows = []
    for name in names or ESTIMATORS.names():
        if name not in ESTIMATORS.names():
            rows.append([name, *[f"FAIL: no estimator {name!r}"] * len(PRECISIONS)])
            continue
        cls = ESTIMATORS.get(name)
        takes_precision = "precision" in cls().get_params()

        def run(cls=cls, name=name, takes_precision=takes_precision, precision="fp32"):
            params, args = estimator_case(name, str(device), n)
            est = cls(**params, **({"precision": precision} if takes_precision else {}))
            est.fit(*args)
            model = getattr(est, "model_", None)
            if model is not None and {p.device.type for p in model.parameters()} != {device.type}:
                raise RuntimeError(f"the fitted model is not on {device.type}")
            return "ok"

        cells = [attempt(lambda p=p, run=run: run(precision=p)) if takes_precision or p == "fp32"
                 else "n/a (no precision parameter)" for p in PRECISIONS]
        rows.append([name, *cells])
    return rows


# The DDP check's training: small enough for seconds, long enough for the losses to move.
DDP_CONFIG = {"epochs": 3, "batch_size": 64, "lr": 3e-3, "seed": 0, "validation_split": 0.25, "progress": False}


def ddp_train(device: str) -> list[float]:
    X = torch.from_numpy(digits(256)[0])
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    return fit(model, X, TrainConfig(device=device, **DDP_CONFIG))["train_total"]


def ddp_worker(out: str, device: str) -> None:
    """One rank under torchrun: aekit joins the group when the world has 2+ processes; a world of
    one joins it here, so the backend (nccl on CUDA) is exercised either way."""
    import torch.distributed as dist

    from aekit.training.distributed import init_distributed

    where = init_distributed(torch.device(device))
    backend = "nccl" if device.startswith("cuda") else "gloo"
    if not dist.is_initialized():
        if device.startswith("cuda"):
            torch.cuda.set_device(where.local_rank)
        dist.init_process_group(backend=backend)
    losses = ddp_train(device)
    rank_sum = torch.tensor([float(dist.get_rank())], device=device if device.startswith("cuda") else "cpu")
    dist.all_reduce(rank_sum)  # 0 + 1 + ... : the backend carries data both ways
    world = dist.get_world_size()
    if dist.get_rank() == 0:
        Path(out).write_text(json.dumps({"losses": losses, "world": world, "backend": dist.get_backend(),
                                         "rank_sum": rank_sum.item()}))
    dist.barrier()
    dist.destroy_process_group()


def check_ddp(device: torch.device, quick: bool) -> list[list[str]]:
    if device.type == "cuda":
        procs = 2 if torch.cuda.device_count() >= 2 else 1
    else:
        procs = 1 if quick else 2

    def run():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ddp.json"
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={procs}", "--nnodes=1",
                   "--master_addr=127.0.0.1", f"--master_port={port}", __file__, "--ddp-worker", str(out),
                   "--device", device.type]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
            if device.type == "cpu":
                env["OMP_NUM_THREADS"] = "1"
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300,
                                  check=False)
            if done.returncode != 0:
                raise RuntimeError(f"torchrun exited with {done.returncode}: {done.stderr.strip()[-300:]}")
            saved = json.loads(out.read_text())
        expected = ddp_train(str(device))  # one plain process, the same global batch
        if saved["world"] != procs or saved["rank_sum"] != procs * (procs - 1) / 2:
            raise RuntimeError(f"world {saved['world']}, rank sum {saved['rank_sum']}: the group is wrong")
        gap = max(abs(a - b) / abs(b) for a, b in zip(saved["losses"], expected))
        if gap > 1e-3:
            raise RuntimeError(f"losses {saved['losses']} differ from one process's {expected}")
        return f"ok {saved['backend']}, losses {saved['losses'][0]:.4g} -> {saved['losses'][-1]:.4g}, " \
               f"max relative gap to 1 process {gap:.1e}"

    return [[f"{procs} process{'es' if procs > 1 else ''} on {device.type}", attempt(run)]]


def samples_per_second(name: str, device: torch.device, precision: str, n: int, epochs: int) -> float:
    shape = (1, 28, 28) if name == "conv" else (784,)
    X = torch.rand(n, *shape, generator=torch.Generator().manual_seed(0))
    options = {"hidden_dims": (512, 256)} if name == "deep" else {}
    config = TrainConfig(epochs=epochs, batch_size=256, validation_split=0.0, early_stopping=None, progress=False,
                         device=str(device), precision=precision)
    warm = create_model(name, shape, latent_dim=32, **options)
    fit(warm, X[:1024], TrainConfig(**{**config.to_dict(), "epochs": 1}))  # kernels, cuDNN plans, allocator
    model = create_model(name, shape, latent_dim=32, **options)
    sync(device)
    start = time.perf_counter()
    fit(model, X, config)
    sync(device)
    return n * epochs / (time.perf_counter() - start)


def check_throughput(device: torch.device, quick: bool) -> list[list[str]]:
    runs = [("cpu", "fp32")] + ([(device.type, p) for p in PRECISIONS] if device.type != "cpu" else [])
    rows = []
    for name, label in (("deep", "MLP 784-512-256-32"), ("conv", "conv 1x28x28, latent 32")):
        base = None
        for where, precision in runs:
            on_gpu = where != "cpu"
            n, epochs = (512, 1) if quick else ((16384, 3) if on_gpu else (4096, 1))
            result = {}

            def run(name=name, where=where, precision=precision, n=n, epochs=epochs, result=result):
                result["rate"] = samples_per_second(name, torch.device(where), precision, n, epochs)
                return f"{result['rate']:,.0f}"

            cell = attempt(run)
            rate = result.get("rate")
            base = rate if where == "cpu" else base
            ratio = f"{rate / base:.1f}x" if rate and base else ""
            rows.append([label, where, precision, cell, ratio])
    return rows


# -- the report ------------------------------------------------------------------------------------
def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def failures(rows: list[list[str]]) -> int:
    return sum(cell.startswith("FAIL") for row in rows for cell in row)


def run_parts(parts, device: torch.device, quick: bool, names=None) -> tuple[str, int]:
    """Run the chosen parts; the markdown report and the number of failed checks."""
    n = 128 if quick else 512
    headers = {
        "recipes": ["recipe", *PRECISIONS], "ssl": ["method", *PRECISIONS], "estimators": ["estimator", *PRECISIONS],
        "ddp": ["run", "result"], "throughput": ["model", "device", "precision", "samples/s", "vs CPU fp32"],
    }
    runners = {
        "recipes": lambda: check_recipes(device, n, names), "ssl": lambda: check_ssl(device, n, names),
        "estimators": lambda: check_estimators(device, n, names), "ddp": lambda: check_ddp(device, quick),
        "throughput": lambda: check_throughput(device, quick),
    }
    head = f"# aekit GPU check: {describe(device)}{', quick' if quick else ''}"
    print(head + "\n", flush=True)
    sections, summary = [], []
    for part in parts:
        start = time.perf_counter()
        rows = runners[part]()
        seconds = time.perf_counter() - start
        failed = failures(rows)
        checks = sum(cell.startswith("FAIL") or cell.endswith(" s)") for row in rows for cell in row)  # attempts
        summary.append([part, str(checks), str(failed), f"{seconds:.1f}"])
        sections.append(f"## {part}\n\n{table(headers[part], rows)}")
        print(sections[-1] + "\n", flush=True)
    total = sum(int(row[2]) for row in summary)
    sections.append("## summary\n\n" + table(["part", "checks", "failed", "seconds"], summary))
    print(sections[-1] + "\n", flush=True)
    return "\n\n".join([head, *sections]) + "\n", total


def describe(device: torch.device) -> str:
    import aekit

    what = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    return f"{what}, torch {torch.__version__}, aekit {aekit.__version__}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--quick", action="store_true", help="tiny data: a smoke test of the script")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {PARTS}")
    parser.add_argument("--names", default=None,
                        help="comma-separated names to check in the registry parts chosen with --only "
                             "(default: every registered recipe, method and estimator)")
    parser.add_argument("--out", type=Path, default=None, help="also write the markdown report to this file")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    parser.add_argument("--ddp-worker", default=None, help=argparse.SUPPRESS)  # internal: one torchrun rank
    args = parser.parse_args(argv)
    if args.ddp_worker:
        ddp_worker(args.ddp_worker, args.device)
        return 0
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--only takes parts of {PARTS}, got {unknown}")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda, but CUDA is not available here; use --device cpu --quick for a smoke test")
    if args.out is not None and args.out.exists() and not args.overwrite:
        parser.error(f"--out {args.out} exists; add --overwrite to replace it")
    names = args.names.split(",") if args.names else None
    report, failed = run_parts(parts, device, args.quick, names)
    print(f"{failed} check(s) failed" if failed else "all checks passed", flush=True)
    if args.out is not None:  # written whole, then renamed: never half a report
        write_text(args.out, report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
