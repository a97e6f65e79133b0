"""Optional TensorBoard logging as a training callback (needs the ``tensorboard`` extra).

:class:`TensorBoardLogger` is a callback for :func:`aekit.fit`: after every epoch it writes the
same scalars as ``metrics.csv`` (each loss part, train and validation, learning rate, seconds)
and, when given a few samples, an image grid of them with their reconstructions.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

INSTALL_HINT = "TensorBoard logging needs the tensorboard extra: pip install 'aekit[tensorboard]'"


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:  # torch ships the writer, but it imports the tensorboard package
        raise ImportError(f"{INSTALL_HINT} ({err})") from None
    return SummaryWriter


class TensorBoardLogger:
    """Callback ``(epoch, record, model)`` that logs scalars and reconstructions to TensorBoard.

    Parameters
    ----------
    logdir : path
        Folder for the event files (``tensorboard --logdir LOGDIR`` shows them).
    images : Tensor, optional
        A few samples of shape (n, C, H, W) in the model's input space; their inputs and
        reconstructions are logged as an image grid every ``image_every`` epochs.
    image_every : int, default=1

    Examples
    --------
    >>> import torch
    >>> from aekit import create_model, fit, TrainConfig
    >>> from aekit.viz.tensorboard import TensorBoardLogger
    >>> model = create_model("conv", (1, 8, 8), latent_dim=4)
    >>> x = torch.rand(64, 1, 8, 8)
    >>> logger = TensorBoardLogger("runs/tb", images=x[:8])  # doctest: +SKIP
    >>> fit(model, x, TrainConfig(epochs=2), callbacks=[logger]); logger.close()  # doctest: +SKIP
    """

    def __init__(self, logdir: str | os.PathLike, images: torch.Tensor | None = None, image_every: int = 1) -> None:
        if images is not None and (not isinstance(images, torch.Tensor) or images.ndim not in (3, 4)):
            raise TypeError("images must be a torch.Tensor of shape (n, C, H, W) or (n, H, W)")
        if not isinstance(image_every, int) or image_every < 1:
            raise ValueError(f"image_every must be a positive int, got {image_every!r}")
        self.writer = _summary_writer_class()(log_dir=str(logdir))
        self.images = None if images is None else (images if images.ndim == 4 else images[:, None])
        self.image_every = image_every

    def __call__(self, epoch: int, record: dict[str, Any], model: nn.Module) -> None:
        for key, value in record.items():
            if key == "epoch" or not isinstance(value, (int, float)):
                continue
            split, _, part = key.partition("_")
            # "train_total" -> "total/train": TensorBoard then draws train and validation together.
            tag = f"{part}/{split}" if split in ("train", "val") and part else key
            self.writer.add_scalar(tag, value, epoch)
        if self.images is not None and epoch % self.image_every == 0:
            self.writer.add_images("reconstructions", self._grid(model), epoch)
        self.writer.flush()

    @torch.no_grad()
    def _grid(self, model: nn.Module) -> torch.Tensor:
        """Inputs stacked above reconstructions, each scaled to [0, 1] together."""
        device = next(model.parameters()).device
        was_training = model.training
        model.eval()
        x = self.images.to(device)
        recon = model.reconstruct(x).reshape(x.shape).float()
        model.train(was_training)
        both = torch.cat([x.float(), recon]).cpu()
        lo, hi = both.amin(), both.amax()
        both = (both - lo) / (hi - lo).clamp_min(1e-12)
        return both[:, :3] if both.shape[1] >= 3 else both[:, :1]

    def close(self) -> None:
        self.writer.close()
