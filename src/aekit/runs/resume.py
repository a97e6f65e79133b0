"""``aekit train`` with checkpoints, ``--resume`` and ``torchrun``.

While it trains, the run folder ``OUT/`` holds ``checkpoint/checkpoint.pt`` (written every
``--checkpoint-every`` epochs) and ``checkpoint/resume.json`` (the data and the estimator's
parameters), so ``aekit train --resume OUT`` can rebuild everything and continue. When training
ends, the finished run folder replaces ``OUT/`` in one rename (see :func:`aekit.runs.train_run`).

Under ``torchrun`` every process trains (DDP, see :mod:`aekit.training.distributed`); only
rank 0 writes the run folder and checkpoints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._files import check_target
from ..estimators import Autoencoder
from .folders import RUN_FORMAT, RUN_MARKER, train_run
from ..training import distributed as ddp
from ..training.device import resolve_device

CHECKPOINT_DIR = "checkpoint"
RESUME_FILE = "resume.json"


def _data_reference(data: str) -> str:
    """An absolute path for files and folders (the resumed run may start elsewhere), else a name."""
    path = Path(data).expanduser()
    return str(path.resolve()) if path.exists() else data


def read_resume_info(run_dir: str | os.PathLike) -> dict[str, Any]:
    """What ``aekit train --resume RUN_DIR`` needs: data, split, label column, the estimator's
    class name (e.g. ``VariationalAutoencoder``) and parameters."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise FileNotFoundError(f"run folder {str(run_dir)!r} does not exist")
    if not run_dir.is_dir():
        raise ValueError(f"--resume expects a run folder, but {str(run_dir)!r} is a file")
    info_file = run_dir / CHECKPOINT_DIR / RESUME_FILE
    if not info_file.is_file() or not (run_dir / CHECKPOINT_DIR / "checkpoint.pt").is_file():
        raise ValueError(
            f"{str(run_dir)!r} holds no checkpoint to resume from (it finished, or was not started with "
            "--checkpoint-every)"
        )
    try:
        info = json.loads(info_file.read_text())
        saved = {k: info[k] for k in ("data", "split", "label_column", "params", "checkpoint_every")}
        return {**saved, "estimator": info.get("estimator", "Autoencoder")}  # runs of 0.2.0 name none
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{str(info_file)!r} is damaged ({err}); start the run again") from None


def _prepare_folder(out: Path, overwrite: bool, resume: bool, info: dict[str, Any]) -> None:
    """Rank 0: refuse to clobber, mark a new folder as an (unfinished) aekit run, save resume info."""
    if not resume:
        check_target(out, overwrite, RUN_MARKER, RUN_FORMAT, "output")
    if not out.exists() or not any(out.iterdir()):
        out.mkdir(parents=True, exist_ok=True)
        (out / RUN_MARKER).write_text(json.dumps({"format": RUN_FORMAT, "status": "training"}, indent=2))
    if info["checkpoint_every"] is not None:
        (out / CHECKPOINT_DIR).mkdir(exist_ok=True)
        (out / CHECKPOINT_DIR / RESUME_FILE).write_text(json.dumps(info, indent=2, default=str))


def train_resumable(
    bundle,
    estimator: Autoencoder,
    out: str | os.PathLike,
    *,
    data: str,
    split: str,
    label_column,
    overwrite: bool = False,
    checkpoint_every: int | None = None,
    resume: bool = False,
) -> dict[str, Any] | None:
    """Train with checkpoints (and DDP under torchrun); return the summary on rank 0, else None."""
    out = Path(out)
    where = ddp.init_distributed(resolve_device(estimator.device))
    info = {"data": _data_reference(data), "split": split, "label_column": label_column,
            "params": estimator.get_params(), "checkpoint_every": checkpoint_every,
            "estimator": type(estimator).__name__}
    if where.is_main:
        _prepare_folder(out, overwrite, resume, info)
    ddp.barrier()
    ckpt = out / CHECKPOINT_DIR
    fit_params = {}
    if checkpoint_every is not None:
        fit_params = {"checkpoint_dir": ckpt, "checkpoint_every": checkpoint_every,
                      "resume_from": ckpt if resume else None}
    if not where.is_main:
        estimator.fit(bundle.X, **fit_params)  # a DDP peer: trains its shard, writes nothing
        return None
    # the folder now holds only our own (unfinished) run, so replacing it loses nothing of the user's
    return train_run(bundle, estimator, out, overwrite=True, fit_params=fit_params)
