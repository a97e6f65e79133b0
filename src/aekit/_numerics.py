"""Process-wide numeric settings that must be in place before torch's first matrix product.

MKL, which torch's CPU builds use for float32 matrix products, chooses its kernels by CPU. On an AMD
EPYC with AVX2 (no AVX-512), its default kernels for products with 5-7 or 9-11 output columns give
a row a result that depends on the row's position in the batch, in the last bits: a detector whose
decoder rebuilds 10 features scored the same rows differently in another order. That breaks
aekit's promise that a row's outputs do not depend on its batch-mates
(:mod:`aekit.models.blockwise`). MKL's conditional numerical reproducibility mode ``AUTO`` (the best
code path for the CPU, made reproducible) removes the dependence there, and measured no slower (one
thread, products from 256 x 10 x 16 to 512 x 784 x 256). On the Intel Xeon with AMX these notes also
ran on, the default kernels were already position-independent.
"""

from __future__ import annotations

import os

#: MKL's conditional numerical reproducibility setting aekit asks for (``MKL_CBWR``)
MKL_MODE = "AUTO"


def request_reproducible_mkl() -> str:
    """Set ``MKL_CBWR`` to :data:`MKL_MODE` unless the environment already names a mode; return the
    mode in effect. MKL reads the variable once, at its first call: import aekit before running
    torch's first matrix product, or export ``MKL_CBWR=AUTO`` yourself."""
    return os.environ.setdefault("MKL_CBWR", MKL_MODE)


request_reproducible_mkl()  # on import: aekit/__init__.py imports this module first
