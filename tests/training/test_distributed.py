"""Two CPU processes with DDP (gloo) follow the same trajectory as one process with the same global batch."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import ddp_worker  # noqa: E402

pytestmark = pytest.mark.slow  # two torchrun processes: about 15 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={free_port()}", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE)}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed")
def test_two_gloo_processes_equal_one_process(tmp_path):
    result = torchrun([str(HERE / "ddp_worker.py"), str(tmp_path / "ddp")], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = json.loads((tmp_path / "ddp.json").read_text())
    assert saved["world"] == 2
    ddp_weights = load_file(tmp_path / "ddp.safetensors")

    model, history = ddp_worker.train()  # one process, same global batch of 64
    for key, value in model.state_dict().items():
        torch.testing.assert_close(ddp_weights[key], value, rtol=1e-4, atol=1e-5, msg=key)
    for a, b in zip(saved["history"]["records"], history["records"]):
        assert a["train_total"] == pytest.approx(b["train_total"], rel=1e-4)
        assert a["val_total"] == pytest.approx(b["val_total"], rel=1e-4)
    # training moved the weights, so the equality above is not trivially about the initial state
    assert history["records"][-1]["train_total"] < history["records"][0]["train_total"]
