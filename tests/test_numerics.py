"""aekit asks MKL for reproducible kernels before torch's first matrix product (aekit._numerics):
without it, on an AMD EPYC with AVX2, a product with 5-7 or 9-11 output columns gave a row a result
that depends on its position in the batch."""

import os
import subprocess
import sys

# Run in a fresh interpreter: MKL reads MKL_CBWR once, at its first call, so only a new process
# shows what importing aekit first does. It checks every output width from 1 to 20 and fails on
# the CPUs where MKL's default kernels depend on the row's position (seen: AMD EPYC, AVX2).
_CHECK = """
import aekit, os, torch
torch.set_num_threads(1)
torch.manual_seed(0)
bad = []
for n in range(1, 21):
    for _ in range(3):
        x, w, perm = torch.randn(128, 16), torch.randn(16, n), torch.randperm(128)
        if not torch.equal((x @ w)[perm], x[perm] @ w):
            bad.append(n)
            break
print(os.environ["MKL_CBWR"], bad)
"""


def _run(env: dict) -> str:
    out = subprocess.run([sys.executable, "-c", _CHECK], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_aekit_makes_a_rows_product_independent_of_its_position():
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    assert _run(env) == "AUTO []"


def test_a_users_own_mkl_mode_is_kept():
    assert _run({**os.environ, "MKL_CBWR": "COMPATIBLE"}) == "COMPATIBLE []"
