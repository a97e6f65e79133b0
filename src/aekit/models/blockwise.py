"""Row-wise inference in fixed blocks of rows, so that a row's output never depends on its batch-mates.

Matrix kernels (MKL, oneDNN, cuBLAS) choose their algorithm, and with it the order in which they
add up, from the shapes they are given: on the CPU these notes were written on (Xeon with AMX), an
MLP's fp32 outputs for a batch of 1 to 3 rows differ in the last bits from the same rows in a batch
of 4,096, and oneDNN picks other bf16 kernels by batch size too. :func:`infer_rows` gives every
forward pass one shape: it cuts the rows into blocks of exactly ``block`` rows, the last one padded
with copies of its last row, so a row goes through the same kernels whether it is scored alone, in
a batch of 7 or among a million (and a thread count splits that shape the same way every time).
Within one shape, a row's position can matter too: MKL's default kernels on an AMD EPYC (AVX2)
did so for some output widths, which :mod:`aekit._numerics` removes when aekit is imported.

Every inference method of every estimator (``transform``, ``reconstruct``, ``score_samples``,
``predict_proba``, ``decision_function``, ...) and the model-level helpers (:func:`aekit.evaluation.elbo`,
:func:`aekit.evaluation.iwae_bound`, :func:`aekit.evaluation.extract_features`, ...) run through it;
``tests/estimators/test_batch_invariance.py`` checks every registered estimator bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..training.device import autocast, resolve_precision

#: Rows per forward pass: enough that the per-pass overhead is small (a transform of 10,000 digits
#: rows takes as long as with the 4,096-row chunks aekit used before), few enough that one row
#: alone costs little (docs/performance.md, "Inference in fixed blocks", has the numbers).
INFERENCE_BLOCK = 256

_HALF = (torch.float16, torch.bfloat16)


def _padded(rows: torch.Tensor, block: int) -> torch.Tensor:
    """``rows`` with copies of its last row appended up to ``block`` rows (copies, not zeros: always a
    valid input, e.g. for a likelihood that wants values in [0, 1] or a class label)."""
    missing = block - len(rows)
    return rows if not missing else torch.cat([rows, rows[-1:].expand(missing, *rows.shape[1:])])


def infer_rows(fn: Callable[..., torch.Tensor], *inputs: torch.Tensor | None, module: nn.Module,
               block: int | None = None, precision: str = "fp32") -> torch.Tensor:
    """``fn`` over the rows of ``inputs``, in blocks of exactly ``block`` rows; (n, ...) on the CPU.

    Parameters
    ----------
    fn : callable
        Takes one block of each input (``None`` inputs are passed as ``None``) and returns a tensor
        whose first axis is the block's rows; it must treat rows independently.
    *inputs : tensors with the same number of rows, or None
        E.g. the data and, for a conditional model, its conditions.
    module : nn.Module
        The network ``fn`` uses: it runs in eval mode (its training flag is restored after) and
        its device receives the blocks.
    block : int, optional
        Rows per call of ``fn`` (default :data:`INFERENCE_BLOCK`); the last block is padded with
        copies of its last row.
    precision : {"fp32", "bf16", "auto"}
        Autocast for the forward passes, as the estimators' ``precision`` parameter.

    Returns
    -------
    Tensor of shape (n, ...): float32 where ``fn`` computed in half precision, else ``fn``'s dtype.

    Notes
    -----
    Runs under :func:`torch.no_grad`, not :func:`torch.inference_mode`: code refinement
    (``refine_codes``) takes gradients with respect to the codes inside ``fn``, which tensors made
    in inference mode cannot have.

    Examples
    --------
    >>> net = nn.Linear(3, 2)
    >>> x = torch.randn(10, 3)
    >>> torch.equal(infer_rows(net, x, module=net, block=4)[7:8], infer_rows(net, x[7:8], module=net, block=4))
    True
    """
    block = INFERENCE_BLOCK if block is None else block
    if not isinstance(block, int) or isinstance(block, bool) or block < 1:
        raise ValueError(f"block must be a positive int, got {block!r}")
    given = [x for x in inputs if x is not None]
    if not given:
        raise ValueError("infer_rows needs at least one input tensor")
    n = len(given[0])
    if any(len(x) != n for x in given):
        raise ValueError(f"inputs must have the same number of rows, got {[len(x) for x in given]}")
    weight = next(module.parameters(), None)
    device = weight.device if weight is not None else torch.device("cpu")
    amp_dtype = resolve_precision(precision, device)
    was_training = module.training
    module.eval()
    out = None  # filled in place: no list of blocks to concatenate at the end
    try:
        with torch.no_grad():
            for start in range(0, n, block):
                stop = min(start + block, n)
                blocks = [None if x is None else _padded(x[start:stop], block).to(device) for x in inputs]
                with autocast(device, amp_dtype):
                    result = fn(*blocks)
                if len(result) != block:
                    raise ValueError(f"fn must return one row per input row: got {len(result)} for {block}")
                result = result[: stop - start]
                if out is None:
                    out = torch.empty((n, *result.shape[1:]), dtype=torch.float32 if result.dtype in _HALF else result.dtype)
                out[start:stop] = result
    finally:
        module.train(was_training)
    return out if out is not None else torch.empty(0)
