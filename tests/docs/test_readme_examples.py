"""The README's Python examples run, in order, in one namespace of one interpreter started in a
temporary folder: the README is read top to bottom, so a block may use what an earlier one made
(one interpreter also imports torch once, which keeps the test fast).

Training lengths are cut to 2 epochs: the test checks that the examples work as written, not
how well the models train.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DRIVER = """
import json, sys, traceback
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for i, code in enumerate(blocks):
    try:
        exec(compile(code, f"README block {i}", "exec"), namespace)
    except BaseException:
        print(f"README block {i} failed:\\n{code}", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    print(f"block {i} ok", flush=True)
"""


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


@pytest.mark.slow
def test_readme_python_blocks_run(tmp_path):
    blocks = [re.sub(r"epochs=\d+", "epochs=2", b) for b in _python_blocks()]
    assert len(blocks) >= 2
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", DRIVER], input=json.dumps(blocks), cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.count(" ok") == len(blocks)
