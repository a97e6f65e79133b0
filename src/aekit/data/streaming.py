"""Data larger than memory: ``.npy`` files on disk streamed in batches.

An :class:`ArrayStream` reads one ``.npy`` file, several shards (a list, a glob, or a folder of
``.npy`` files with the same sample shape), or an array-like such as ``np.load(path,
mmap_mode="r")``. It never holds more than a shuffle buffer in memory: each epoch visits the
blocks (contiguous runs of ``block_size`` rows) in a random order, fills a buffer of
``shuffle_buffer`` rows, and serves its rows in a random order. File blocks are read with plain
reads into fresh memory rather than through a memory map, so the resident set of the process
does not grow with the file (mapped pages would count in it).

:func:`aekit.fit` and :meth:`aekit.Autoencoder.fit` accept it wherever they accept an array.

Examples
--------
>>> import os, tempfile, numpy as np, aekit
>>> path = os.path.join(tempfile.mkdtemp(), "big.npy")
>>> np.save(path, np.random.default_rng(0).random((256, 8), dtype=np.float32))
>>> stream = ArrayStream(path, shuffle_buffer=64)
>>> ae = aekit.Autoencoder(latent_dim=2, epochs=1).fit(stream)
>>> ae.transform(np.load(path)).shape
(256, 2)
"""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["ArrayStream", "StreamBatches", "is_stream"]

Block = tuple[int, int, int]  # (shard index, first row, end row)


@dataclass(frozen=True)
class _Shard:
    """One array on disk (path, header offset) or in an array-like (e.g. a memmap)."""

    rows: int
    sample_shape: tuple[int, ...]
    dtype: np.dtype
    path: str | None = None
    offset: int = 0
    array: object = None

    def read(self, start: int, stop: int) -> np.ndarray:
        if self.array is not None:
            return np.asarray(self.array[start:stop])
        per_row = math.prod(self.sample_shape)
        count = (stop - start) * per_row
        with open(self.path, "rb") as fh:
            out = np.fromfile(fh, dtype=self.dtype, count=count, offset=self.offset + start * per_row * self.dtype.itemsize)
        if out.size != count:
            raise ValueError(f"'{self.path}' is truncated: expected {count} values at row {start}, read {out.size}")
        return out.reshape(stop - start, *self.sample_shape)


def _open_npy(path: Path) -> _Shard:
    if path.is_dir():
        raise ValueError(f"shard '{path}' is a directory, expected a .npy file")
    if path.stat().st_size == 0:
        raise ValueError(f"shard '{path}' is empty (0 bytes)")
    with open(path, "rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
            # the header is a Python literal read with ast.literal_eval: no pickle involved
            read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read_header:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, fortran, dtype = read_header[version](fh)
        except (ValueError, SyntaxError, EOFError) as err:
            raise ValueError(f"'{path}' is not a valid .npy file ({err})") from None
        offset = fh.tell()
    if dtype.hasobject or not (np.issubdtype(dtype, np.number) and not np.issubdtype(dtype, np.complexfloating)):
        raise ValueError(f"'{path}' holds dtype {dtype}; streaming needs real numbers (no objects)")
    if fortran and len(shape) > 1:
        raise ValueError(f"'{path}' is stored in Fortran order; save it with np.save(np.ascontiguousarray(x))")
    if len(shape) < 2:
        raise ValueError(f"'{path}' has shape {shape}; expected (n_samples, ...) with at least 2 dimensions")
    expected = offset + math.prod(shape) * dtype.itemsize
    if path.stat().st_size < expected:
        raise ValueError(f"'{path}' is truncated: its header promises {expected} bytes, the file has {path.stat().st_size}")
    return _Shard(shape[0], tuple(shape[1:]), dtype, str(path), offset)


def _paths(source: str | os.PathLike | Sequence) -> list[Path]:
    if isinstance(source, (list, tuple)):
        return [Path(p) for p in source]
    text = str(source)
    if any(c in text for c in "*?["):
        found = sorted(glob.glob(text))
        if not found:
            raise FileNotFoundError(f"no .npy files match {text!r}")
        return [Path(p) for p in found]
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"data file or folder '{path}' does not exist")
    if path.is_dir():
        found = sorted(path.glob("*.npy"))
        if not found:
            raise ValueError(f"folder '{path}' holds no .npy shards")
        return found
    return [path]


class ArrayStream:
    """Samples streamed from ``.npy`` files (or a memmap), shuffled by block and within a buffer.

    Parameters
    ----------
    source : path, glob, folder of ``.npy`` shards, list of paths, or array-like
        Each array has shape (n_samples, *sample_shape); all shards share the sample shape.
    block_size : int
        Rows read at once; blocks are the unit of shuffling across the file(s).
    shuffle_buffer : int
        Rows shuffled together; memory use is about ``shuffle_buffer`` samples in float32.
    transform : callable, optional
        Applied to every block (numpy float32, shape (rows, *sample_shape)) after reading.

    Examples
    --------
    >>> import numpy as np
    >>> ArrayStream(np.zeros((10, 3))).sample_shape
    (3,)
    """

    def __init__(self, source, *, block_size: int = 4096, shuffle_buffer: int = 16384,
                 transform: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        for name, value in (("block_size", block_size), ("shuffle_buffer", shuffle_buffer)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if hasattr(source, "shape") and hasattr(source, "dtype") and not isinstance(source, (str, os.PathLike)):
            if len(source.shape) < 2 or source.shape[0] == 0:
                raise ValueError(f"source must have shape (n_samples, ...) with n_samples >= 1, got {source.shape}")
            shards = [_Shard(source.shape[0], tuple(source.shape[1:]), np.dtype(source.dtype), array=source)]
        else:
            shards = [_open_npy(p) for p in _paths(source)]
        shapes = {s.sample_shape for s in shards}
        if len(shapes) > 1:
            raise ValueError(f"shards disagree on the sample shape: {sorted(shapes)}")
        self.shards, self.block_size, self.shuffle_buffer, self.transform = shards, block_size, shuffle_buffer, transform
        self.sample_shape: tuple[int, ...] = shards[0].sample_shape

    def __len__(self) -> int:
        return sum(s.rows for s in self.shards)

    def __repr__(self) -> str:
        return f"ArrayStream({len(self)} samples of shape {self.sample_shape}, {len(self.shards)} shard(s))"

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> "ArrayStream":
        """A stream whose blocks also go through ``fn`` (after any existing transform)."""
        new = object.__new__(ArrayStream)
        new.__dict__.update(self.__dict__)
        inner = self.transform
        new.transform = fn if inner is None else (lambda a: fn(inner(a)))
        return new

    def blocks(self) -> list[Block]:
        return [(i, start, min(start + self.block_size, s.rows))
                for i, s in enumerate(self.shards) for start in range(0, s.rows, self.block_size)]

    def read(self, block: Block, check_finite: bool = True) -> np.ndarray:
        shard, start, stop = block
        raw = self.shards[shard].read(start, stop)
        if check_finite and np.issubdtype(raw.dtype, np.floating) and not np.isfinite(raw).all():
            raise ValueError(f"data holds NaN or infinite values in rows {start}-{stop} of shard {shard}")
        out = raw.astype(np.float32, copy=False)
        return out if self.transform is None else np.asarray(self.transform(out), dtype=np.float32)

    def feature_stats(self) -> dict[str, np.ndarray]:
        """Per-feature min, max, mean and std (float64) in one pass, block by block."""
        n, total, squares, lo, hi = 0, 0.0, 0.0, np.inf, -np.inf
        for block in self.blocks():
            x = self.read(block).reshape(block[2] - block[1], -1).astype(np.float64)
            n, total, squares = n + len(x), total + x.sum(0), squares + (x * x).sum(0)
            lo, hi = np.minimum(lo, x.min(0)), np.maximum(hi, x.max(0))
        mean = total / n
        return {"min": lo, "max": hi, "mean": mean, "std": np.sqrt(np.maximum(squares / n - mean**2, 0.0))}

    def as_batch_sources(self, batch_size: int, generator: torch.Generator, validation_split: float,
                         device: torch.device, rank: int = 0, world: int = 1):
        """Training and validation sources for the training loop; validation holds out whole blocks."""
        blocks = self.blocks()
        n_val = min(len(blocks) - 1, math.ceil(len(blocks) * validation_split)) if validation_split > 0 else 0
        order = torch.randperm(len(blocks), generator=generator).tolist() if n_val else list(range(len(blocks)))
        held = sorted(order[:n_val])
        train = StreamBatches(self, [blocks[i] for i in sorted(order[n_val:])], batch_size, generator, device, rank, world)
        val = StreamBatches(self, [blocks[i] for i in held], batch_size, generator, device, rank, world) if held else None
        return train, val


@dataclass
class StreamBatches:
    """Batches of some blocks of a stream; under DDP each rank takes its rows of every global batch."""

    stream: ArrayStream
    blocks: list[Block]
    batch_size: int
    generator: torch.Generator
    device: torch.device
    rank: int = 0
    world: int = 1

    def __len__(self) -> int:
        return sum(stop - start for _, start, stop in self.blocks)

    def _global_batches(self, shuffle: bool) -> Iterator[np.ndarray]:
        order = torch.randperm(len(self.blocks), generator=self.generator).tolist() if shuffle else range(len(self.blocks))
        buffer: list[np.ndarray] = []
        held = 0
        for i in order:
            buffer.append(self.stream.read(self.blocks[i]))
            held += len(buffer[-1])
            if held >= self.stream.shuffle_buffer:
                rows = np.concatenate(buffer)
                if shuffle:
                    rows = rows[torch.randperm(len(rows), generator=self.generator).numpy()]
                full = len(rows) - len(rows) % self.batch_size
                yield from (rows[s : s + self.batch_size] for s in range(0, full, self.batch_size))
                buffer, held = [rows[full:]], len(rows) - full  # the remainder joins the next buffer
        if held:
            rows = np.concatenate(buffer)
            if shuffle:
                rows = rows[torch.randperm(len(rows), generator=self.generator).numpy()]
            yield from (rows[s : s + self.batch_size] for s in range(0, len(rows), self.batch_size))

    def batches(self, shuffle: bool = True) -> Iterator[tuple[torch.Tensor]]:
        for rows in self._global_batches(shuffle):
            if self.world > 1:
                if shuffle and len(rows) % self.world:  # every rank needs rows in every step
                    rows = np.concatenate([rows, rows[: self.world - len(rows) % self.world]])
                rows = rows[self.rank :: self.world]
                if not len(rows):
                    continue
            yield (torch.from_numpy(np.ascontiguousarray(rows)).to(self.device),)


def is_stream(data) -> bool:
    """True for sources the training loop streams (anything with ``as_batch_sources``)."""
    return hasattr(data, "as_batch_sources")

