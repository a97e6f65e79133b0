"""What a fit shows while it runs, and the line it leaves behind.

On a terminal: one bar over every sample of every epoch, so it moves (with an ETA) inside a long
epoch too, the last epoch's losses beside it, and it stays on screen when training ends. Anywhere
else (a log file, CI, a notebook's captured output): one plain line per epoch with an ETA, and
inside an epoch that runs long a line every ``log_every`` seconds, with no carriage returns or
escape codes to garble the log. Either way a summary line ends a finished fit. ``verbose``
(``progress=2``, ``--verbose``) also writes the per-epoch line above the bar on a terminal.

The loop tells this class how many samples each step took (a Python int it already has) and
hands it each epoch's record (read from the device once per epoch anyway), so progress adds no
host-device synchronisation to a step.
"""

from __future__ import annotations

import math
import sys
import time

from tqdm.auto import tqdm

# Seconds between the plain lines written inside one epoch (logs only; a bar redraws itself).
LOG_EVERY = 30.0


class Progress:
    """Progress of one fit; a no-op when ``enabled`` is False (``progress=False``, other DDP ranks).

    Parameters
    ----------
    enabled : bool or int
        0/False: nothing; 1/True: the bar or the log lines; 2: also a line per epoch above the bar.
    first_epoch, last_epoch : int
        The epochs this fit runs (a resumed fit starts later).
    samples_per_epoch : int or None
        Training samples per epoch, when the data source knows it (the bar's total).
    log_every : float, optional
        Seconds between plain lines inside an epoch, when the output is not a terminal
        (default: ``LOG_EVERY``).
    """

    def __init__(self, enabled: bool, first_epoch: int, last_epoch: int, samples_per_epoch: int | None,
                 log_every: float | None = None) -> None:
        self.enabled = bool(enabled)
        self.verbose = int(enabled) >= 2
        self.first_epoch, self.last_epoch = first_epoch, last_epoch
        self.samples_per_epoch = samples_per_epoch
        self.log_every = LOG_EVERY if log_every is None else log_every
        self.started = self.last_line = time.perf_counter()
        self.epoch_samples = 0  # samples of the running epoch so far
        self.epochs_done = 0  # epochs finished by this fit
        self.bar = None
        if enabled and sys.stderr.isatty():
            total = None if samples_per_epoch is None else samples_per_epoch * self._epochs
            self.bar = tqdm(total=total, desc="training", unit="sample", unit_scale=True, leave=True, dynamic_ncols=True)

    @property
    def _epochs(self) -> int:
        return self.last_epoch - self.first_epoch + 1

    def step(self, n_samples: int) -> None:
        """After each optimizer step: a sample count, never a tensor (reading one would sync)."""
        if not self.enabled:
            return
        self.epoch_samples += n_samples
        if self.bar is not None:
            self.bar.update(n_samples)
            return
        now = time.perf_counter()
        if now - self.last_line >= self.log_every:
            epoch = self.first_epoch + self.epochs_done
            of = "" if self.samples_per_epoch is None else f"/{self.samples_per_epoch}"
            self._line(f"epoch {epoch}/{self.last_epoch}: {self.epoch_samples}{of} samples", now)

    def epoch(self, record: dict) -> None:
        """After each epoch: its losses beside the bar, or one line of the log."""
        if not self.enabled:
            return
        self.epochs_done += 1
        self.epoch_samples = 0
        losses = {k: f"{v:.4g}" for k, v in record.items() if k.endswith("total")}
        parts = " ".join(f"{k}={v}" for k, v in losses.items())
        line = f"epoch {record['epoch']}/{self.last_epoch} {parts}"
        if self.bar is not None:
            self.bar.set_postfix({"epoch": record["epoch"], **losses})
            if self.verbose:
                self.bar.write(f"{line} ({time.perf_counter() - self.started:.1f} s)", file=sys.stderr)
            return
        self._line(line, time.perf_counter())

    def _line(self, text: str, now: float) -> None:
        elapsed = now - self.started
        eta = self._eta(elapsed)
        until = "" if not eta else f", ETA {_duration(eta)}"  # none at the end (0) or before a first step
        print(f"{text} ({elapsed:.1f} s{until})", file=sys.stderr, flush=True)
        self.last_line = now

    def _eta(self, elapsed: float) -> float | None:
        """Seconds left if the rest runs at the pace so far (every epoch to last_epoch, so an
        early stop ends sooner than this says)."""
        if self.samples_per_epoch:
            done = self.epochs_done * self.samples_per_epoch + self.epoch_samples
            left = self._epochs * self.samples_per_epoch - done
        else:  # a stream of unknown length: whole epochs are all we can count
            done, left = self.epochs_done, self._epochs - self.epochs_done
        return None if done <= 0 else elapsed / done * left

    def finish(self, history) -> None:
        """After a fit that ended well: one summary line, which stays (below the bar on a terminal)."""
        self.close()
        if self.enabled and self.epochs_done:
            print(summary(history, self.epochs_done, time.perf_counter() - self.started), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def summary(history, epochs: int, seconds: float) -> str:
    """``"trained 20 epochs in 12.3 s, final loss 0.0123, best val 0.013 at epoch 18"``."""
    records = history.records
    first = records[-epochs]["epoch"]
    what = f"{epochs} epochs" if first == 1 else f"epochs {first}-{records[-1]['epoch']}"
    parts = [f"trained {what} in {seconds:.1f} s", f"final loss {records[-1]['train_total']:.4g}"]
    val = [(r["val_total"], r["epoch"]) for r in records if math.isfinite(r.get("val_total", math.nan))]
    if val:
        best, epoch = min(val)
        parts.append(f"best val {best:.4g} at epoch {epoch}")
    if history.stopped_early:
        parts.append("stopped early")
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``: short, for an ETA."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
