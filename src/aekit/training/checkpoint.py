"""Resumable checkpoints: everything the loop needs to continue a run exactly where it stopped.

A checkpoint holds the model, optimizer and scheduler states, fp16's loss scale, the epoch, the
early-stopping state (best value, patience counter, best and last good weights), the history, and
the random states of Python, NumPy, torch (CPU and CUDA) and of the shuffling generator, which
fixes the data order. Resuming on the same machine therefore gives bitwise the same weights as a run that
was never interrupted.

Files are written with ``torch.save`` to a temporary file that is renamed into place, so a crash
while writing leaves the previous checkpoint intact. They are read with
``torch.load(weights_only=True)``: tensors, numbers, strings, lists and dicts only, so a planted
pickle cannot run code.

Examples
--------
>>> import tempfile, torch
>>> from aekit import TrainConfig, create_model, fit
>>> model, X, ckpt = create_model("deep", (6,), latent_dim=2), torch.rand(64, 6), tempfile.mkdtemp()
>>> history = fit(model, X, TrainConfig(epochs=2, checkpoint_every=1, checkpoint_dir=ckpt, progress=False))
>>> history = fit(model, X, TrainConfig(epochs=4, checkpoint_dir=ckpt, progress=False), resume_from=ckpt)
>>> len(history)  # the 2 epochs before the interruption and the 2 after
4
"""

from __future__ import annotations

import os
import pickle
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from .._files import replace_file

CHECKPOINT_FILE = "checkpoint.pt"
FORMAT = "aekit-checkpoint"
# Changing any of these between the interrupted run and the resumed one breaks exactness.
MUST_MATCH = ("batch_size", "optimizer", "optimizer_options", "weight_decay", "scheduler", "seed",
              "validation_split", "precision")


def checkpoint_path(where: str | os.PathLike) -> Path:
    """``where`` itself when it is a file, else ``where/checkpoint.pt``."""
    where = Path(where)
    return where if where.suffix == ".pt" else where / CHECKPOINT_FILE


def rng_states(generator: torch.Generator) -> dict[str, Any]:
    """Random states as plain types (weights_only-loadable): no numpy arrays, no pickled objects."""
    version, mt, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(mt), gauss],
        "numpy": [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "shuffle": generator.get_state(),
    }


def set_rng_states(states: dict[str, Any], generator: torch.Generator) -> None:
    version, mt, gauss = states["python"]
    random.setstate((version, tuple(mt), gauss))
    name, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available() and len(states["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(states["cuda"])
    generator.set_state(states["shuffle"])


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def save_checkpoint(where: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` atomically (temporary file, fsync, rename) and return the file's path."""
    path = checkpoint_path(where)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save({"format": FORMAT, **state}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_checkpoint(where: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`; nothing but plain data is unpickled."""
    path = checkpoint_path(where)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}; was the run started with checkpoint_every?")
    if path.is_dir():
        raise ValueError(f"checkpoint path {str(path)!r} is a directory, expected a {CHECKPOINT_FILE} file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(
            f"{str(path)!r} is not a readable aekit checkpoint (it holds Python objects other than tensors and "
            "plain data; refused without running them)"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError, AttributeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{str(path)!r} is not a readable aekit checkpoint ({first})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not an aekit checkpoint (format != {FORMAT!r})")
    return state


def check_compatible(saved: dict[str, Any], config: dict[str, Any], where: str) -> None:
    """Refuse to resume with training options that would change the trajectory."""
    changed = [k for k in MUST_MATCH if saved.get(k) != config.get(k)]
    if changed:
        detail = ", ".join(f"{k}: {saved.get(k)!r} -> {config.get(k)!r}" for k in changed)
        raise ValueError(f"cannot resume from {where!r} with different training options ({detail})")
