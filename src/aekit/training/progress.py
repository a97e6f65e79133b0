"""What a fit shows while it runs.

On a terminal: one bar over every sample of every epoch, so it moves (with an ETA) inside a long
epoch too, the last epoch's losses beside it, and it stays on screen when training ends. Anywhere
else (a log file, CI, a notebook's captured output): one plain line per epoch, with no carriage
returns or escape codes to garble the log.
"""

from __future__ import annotations

import sys
import time

from tqdm.auto import tqdm


class Progress:
    """Progress of one fit; a no-op when ``enabled`` is False (``progress=False``, other DDP ranks).

    Parameters
    ----------
    enabled : bool
    first_epoch, last_epoch : int
        The epochs this fit runs (a resumed fit starts later).
    samples_per_epoch : int or None
        Training samples per epoch, when the data source knows it (the bar's total).
    """

    def __init__(self, enabled: bool, first_epoch: int, last_epoch: int, samples_per_epoch: int | None) -> None:
        self.enabled = enabled
        self.last_epoch = last_epoch
        self.started = time.perf_counter()
        self.bar = None
        if enabled and sys.stderr.isatty():
            total = None if samples_per_epoch is None else samples_per_epoch * (last_epoch - first_epoch + 1)
            self.bar = tqdm(total=total, desc="training", unit="sample", unit_scale=True, leave=True, dynamic_ncols=True)

    def step(self, n_samples: int) -> None:
        """After each optimizer step."""
        if self.bar is not None:
            self.bar.update(n_samples)

    def epoch(self, record: dict) -> None:
        """After each epoch: its losses beside the bar, or one line of the log."""
        if not self.enabled:
            return
        losses = {k: f"{v:.4g}" for k, v in record.items() if k.endswith("total")}
        if self.bar is not None:
            self.bar.set_postfix({"epoch": record["epoch"], **losses})
            return
        elapsed = time.perf_counter() - self.started
        parts = " ".join(f"{k}={v}" for k, v in losses.items())
        print(f"epoch {record['epoch']}/{self.last_epoch} {parts} ({elapsed:.1f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
