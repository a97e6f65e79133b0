import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main
from aekit.viz import latent_plane, write_explorer
from aekit.viz.explorer import explorer_data


def _page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S).group(1))


def test_latent_plane_is_the_code_in_2d_and_inverts_pca_otherwise():
    rng = np.random.default_rng(0)
    codes2 = rng.normal(size=(40, 2))
    xy, to_codes, axis = latent_plane(codes2)
    assert axis == "code" and np.array_equal(xy, codes2) and np.allclose(to_codes(xy), codes2)
    # codes on a 2-d plane inside 5-d: PCA recovers the plane exactly, so the round trip is exact
    basis = rng.normal(size=(2, 5))
    codes5 = rng.normal(size=(60, 2)) @ basis + 3.0
    xy, to_codes, axis = latent_plane(codes5)
    assert axis == "PCA" and np.allclose(to_codes(xy), codes5, atol=1e-9)
    with pytest.raises(ValueError, match="codes must be a 2-D array"):
        latent_plane(np.zeros(5))


@pytest.mark.slow
def test_explorer_grid_holds_the_decoded_plane(tiny_run_2d):
    out, est = tiny_run_2d
    data = explorer_data(out, est, grid=5)
    h, w = data["h"], data["w"]
    assert (h, w, data["c"]) == (8, 8, 1) and data["axis"] == "code"
    decoded = np.frombuffer(__import__("base64").b64decode(data["decoded"]), np.uint8).reshape(25, h * w)
    x0, x1, y0, y1 = data["extent"]
    # cell (i=4, j=0) is the point (x1, y0); its image is the decoder's output there, scaled to bytes
    inputs = np.load(out / "arrays" / "inputs.npy").reshape(-1, 64)
    expected = est.inverse_transform(np.array([[x1, y0]], dtype=np.float32))[0]
    lo, hi = inputs.min(), inputs.max()
    expected = np.clip(np.round((expected - lo) / (hi - lo) * 255), 0, 255)
    assert np.abs(decoded[4].astype(float) - expected).max() <= 1
    assert decoded.std() > 5  # the decoded images differ across the plane
    assert len(data["points"]) == len(inputs) and data["labels"] is None


@pytest.mark.slow
def test_explore_and_report_commands(tiny_run):
    out = tiny_run[0]
    runner = CliRunner()
    res = runner.invoke(main, ["explore", str(out), "--grid", "10"])
    assert res.exit_code == 0, res.output
    page = (out / "explorer.html").read_text()
    data = _page_data(page)
    assert data["grid"] == 10 and data["axis"] == "PCA" and data["latent_dim"] == 3
    assert len(data["labels"]) == len(data["points"])
    assert "http://" not in page and "https://" not in page
    res = runner.invoke(main, ["report", str(out), "--out", str(out / "again.html")])
    assert res.exit_code == 0 and (out / "again.html").stat().st_size > 10_000
    bad = runner.invoke(main, ["explore", str(out / "nope")])
    assert bad.exit_code == 2 and "not a run folder" in bad.output
    bad = runner.invoke(main, ["explore", str(out), "--grid", "1"])
    assert bad.exit_code == 2


@pytest.mark.slow
def test_explorer_grid_is_validated(tiny_run_2d):
    with pytest.raises(ValueError, match="grid must be an int between 2 and 80"):
        write_explorer(tiny_run_2d[0], grid=500)
