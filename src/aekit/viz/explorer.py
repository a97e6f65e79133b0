"""The latent explorer: a self-contained HTML page (plain JavaScript, no network) to walk a
2-D latent plane.

The plane is the code itself when it is 2-D (a line for a 1-D code), else the first two principal
components of the codes, mapped back to full codes by the inverse PCA map. A dense grid of the
plane is decoded ahead of time, so moving the pointer shows the decoded image at that point at
once; clicking a data point shows its input and its reconstruction.
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from .plots import _as_images
from .report import load_run, run_autoencoder

__all__ = ["write_explorer", "latent_plane"]

EXPLORER_NAME = "explorer.html"
MAX_BACKGROUND_POINTS = 2000


def latent_plane(codes: np.ndarray) -> tuple[np.ndarray, Any, str]:
    """Plane coordinates of ``codes`` and the map from plane points back to codes.

    Returns ``(xy, to_codes, axis_name)``; ``to_codes(points)`` turns (n, 2) plane points into
    (n, latent_dim) codes.

    Examples
    --------
    >>> import numpy as np
    >>> xy, to_codes, name = latent_plane(np.random.default_rng(0).normal(size=(50, 5)))
    >>> xy.shape, to_codes(xy[:3]).shape, name
    ((50, 2), (3, 5), 'PCA')
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"codes must be a 2-D array with at least 2 rows, got shape {codes.shape}")
    d = codes.shape[1]
    if d == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), lambda p: np.asarray(p)[:, :1], "code"
    if d == 2:
        return codes, lambda p: np.asarray(p, dtype=np.float64), "code"
    from sklearn.decomposition import PCA

    pca = PCA(2, random_state=0).fit(codes)
    return pca.transform(codes), pca.inverse_transform, "PCA"


def _to_uint8(images: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.round((images - lo) / max(hi - lo, 1e-12) * 255), 0, 255).astype(np.uint8)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def explorer_data(run_dir: str | os.PathLike, estimator: Any = None, grid: int = 25) -> dict[str, Any]:
    """Everything the page needs, JSON-able: the decoded grid, the points and their images."""
    if not isinstance(grid, int) or isinstance(grid, bool) or not 2 <= grid <= 80:
        raise ValueError(f"grid must be an int between 2 and 80, got {grid!r}")
    run = load_run(run_dir)
    codes = run.arrays.get("codes")
    if codes is None and (run.folder / "detector.json").is_file():
        raise ValueError(f"run folder {str(run.folder)!r} is an anomaly-detector run of one batched ensemble network, "
                         "which has no single latent space to explore; its report.html shows the scores and "
                         "why rows were flagged")
    if codes is None or "inputs" not in run.arrays:
        raise FileNotFoundError(f"run folder {str(run.folder)!r} has no arrays/codes.npy and arrays/inputs.npy; "
                                "train it again with this version of aekit")
    if estimator is None:
        estimator = run_autoencoder(run.folder)
    shape = tuple(run.summary.get("sample_shape") or run.arrays["inputs"].shape[1:])
    xy, to_codes, axis = latent_plane(codes)
    lo_xy, hi_xy = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    pad = 0.1 * np.maximum(hi_xy - lo_xy, 1e-6)
    lo_xy, hi_xy = lo_xy - pad, hi_xy + pad
    if codes.shape[1] == 1:
        lo_xy[1], hi_xy[1] = -1.0, 1.0
    gx = np.linspace(lo_xy[0], hi_xy[0], grid)
    gy = np.linspace(lo_xy[1], hi_xy[1], grid)
    plane = np.array([[x, y] for y in gy for x in gx])  # row-major: row j is y = gy[j]
    decoded = estimator.inverse_transform(to_codes(plane).astype(np.float32))

    inputs = run.arrays["inputs"].reshape(len(run.arrays["inputs"]), -1)
    recon = run.arrays["reconstructions"].reshape(len(inputs), -1)
    lo, hi = float(inputs.min()), float(inputs.max())
    as_img = lambda a: _to_uint8(_as_images(a, shape), lo, hi)  # noqa: E731
    grid_imgs, input_imgs, recon_imgs = as_img(decoded), as_img(inputs), as_img(recon)
    h, w = grid_imgs.shape[1:3]
    channels = 3 if grid_imgs.ndim == 4 else 1
    labels = run.arrays.get("labels")
    n_ex = len(inputs)
    background = xy[n_ex:MAX_BACKGROUND_POINTS]
    return {
        "grid": grid, "extent": [float(lo_xy[0]), float(hi_xy[0]), float(lo_xy[1]), float(hi_xy[1])],
        "axis": axis, "h": int(h), "w": int(w), "c": channels,
        "decoded": _b64(grid_imgs), "inputs": _b64(input_imgs), "recon": _b64(recon_imgs),
        "points": np.round(xy[:n_ex], 5).tolist(),
        "background": np.round(background, 4).tolist(),
        "labels": None if labels is None else [str(v) for v in labels[:n_ex]],
        "background_labels": None if labels is None else [str(v) for v in labels[n_ex:MAX_BACKGROUND_POINTS]],
        "title": f"{run.summary.get('recipe', 'model')} on {run.summary.get('data', 'data')}",
        "latent_dim": int(codes.shape[1]),
    }


_PAGE = Template(r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Latent explorer: $title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.2rem; color: #222; }
.row { display: flex; gap: 1.5rem; flex-wrap: wrap; align-items: flex-start; }
canvas { border: 1px solid #ccc; image-rendering: pixelated; }
#plane { cursor: crosshair; } .panel h3 { margin: 0.2rem 0; font-size: 1rem; }
.note { color: #555; font-size: 0.9rem; max-width: 560px; } #legend span { margin-right: 0.6rem; font-size: 0.85rem; }
</style>
</head>
<body>
<h1>Latent explorer: $title</h1>
<p class="note">$note Move the pointer over the plane to decode that point; click a large dot to see a
sample's input and reconstruction.</p>
<div class="row">
  <div><canvas id="plane" width="520" height="520"></canvas><div id="legend"></div></div>
  <div class="panel">
    <h3>Decoded at pointer</h3><canvas id="decoded" width="196" height="196"></canvas>
    <div id="coords">move the pointer over the plane</div>
    <h3>Selected sample: input</h3><canvas id="input" width="196" height="196"></canvas>
    <h3>Reconstruction</h3><canvas id="recon" width="196" height="196"></canvas>
    <div id="selected">click a data point</div>
  </div>
</div>
<script type="application/json" id="explorer-data">$data</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("explorer-data").textContent);
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf"];
function bytes(b64) {
  const s = atob(b64), out = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const decoded = bytes(D.decoded), inputs = bytes(D.inputs), recon = bytes(D.recon);
const SIZE = D.h * D.w * D.c;
const classes = D.labels ? Array.from(new Set(D.labels.concat(D.background_labels))).sort() : [];
const colour = (label) => label === null ? "#1f77b4" : PALETTE[classes.indexOf(label) % PALETTE.length];
const plane = document.getElementById("plane"), pctx = plane.getContext("2d");
const MARGIN = 10, SPAN = plane.width - 2 * MARGIN;
const [x0, x1, y0, y1] = D.extent;
const toPx = (p) => [MARGIN + (p[0] - x0) / (x1 - x0) * SPAN, MARGIN + (y1 - p[1]) / (y1 - y0) * SPAN];
const toPlane = (px, py) => [x0 + (px - MARGIN) / SPAN * (x1 - x0), y1 - (py - MARGIN) / SPAN * (y1 - y0)];
// Image canvases keep the sample's aspect ratio (a 1 x F strip for tabular rows stays a strip).
const PIXEL = Math.max(1, Math.floor(196 / Math.max(D.w, D.h)));
["decoded", "input", "recon"].forEach((id) => {
  const c = document.getElementById(id);
  c.width = D.w * PIXEL; c.height = Math.max(D.h * PIXEL, 48);
});
const scratch = document.createElement("canvas");
scratch.width = D.w; scratch.height = D.h;

function draw(canvasId, source, index) {
  const img = scratch.getContext("2d").createImageData(D.w, D.h);
  for (let k = 0; k < D.h * D.w; k++) {
    for (let ch = 0; ch < 3; ch++) img.data[4 * k + ch] = source[index * SIZE + (D.c === 3 ? 3 * k + ch : k)];
    img.data[4 * k + 3] = 255;
  }
  scratch.getContext("2d").putImageData(img, 0, 0);
  const canvas = document.getElementById(canvasId), ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}
let selected = -1, cursor = null;
function drawPlane() {
  pctx.fillStyle = "#fff"; pctx.fillRect(0, 0, plane.width, plane.height);
  pctx.globalAlpha = 0.25;
  D.background.forEach((p, i) => {
    const [px, py] = toPx(p);
    pctx.fillStyle = colour(D.background_labels ? D.background_labels[i] : null);
    pctx.fillRect(px - 1, py - 1, 2, 2);
  });
  pctx.globalAlpha = 0.9;
  D.points.forEach((p, i) => {
    const [px, py] = toPx(p);
    pctx.beginPath(); pctx.arc(px, py, i === selected ? 6 : 3.5, 0, 2 * Math.PI);
    pctx.fillStyle = colour(D.labels ? D.labels[i] : null); pctx.fill();
    if (i === selected) { pctx.lineWidth = 2; pctx.strokeStyle = "#000"; pctx.stroke(); }
  });
  pctx.globalAlpha = 1;
  if (cursor) {
    pctx.strokeStyle = "rgba(0,0,0,0.5)"; pctx.lineWidth = 1;
    pctx.beginPath(); pctx.moveTo(cursor[0], MARGIN); pctx.lineTo(cursor[0], plane.height - MARGIN);
    pctx.moveTo(MARGIN, cursor[1]); pctx.lineTo(plane.width - MARGIN, cursor[1]); pctx.stroke();
  }
}
function pointerAt(event) {
  const r = plane.getBoundingClientRect();
  return [(event.clientX - r.left) * plane.width / r.width, (event.clientY - r.top) * plane.height / r.height];
}
function showAt(px, py) {
  const [x, y] = toPlane(px, py);
  const clamp = (v) => Math.max(0, Math.min(D.grid - 1, v));
  const i = clamp(Math.round((x - x0) / (x1 - x0) * (D.grid - 1)));
  const j = clamp(Math.round((y - y0) / (y1 - y0) * (D.grid - 1)));
  draw("decoded", decoded, j * D.grid + i);
  document.getElementById("coords").textContent =
    D.axis + " (" + x.toFixed(3) + ", " + y.toFixed(3) + "), grid cell " + i + "," + j;
  plane.dataset.cell = i + "," + j;
}
plane.addEventListener("mousemove", (event) => {
  cursor = pointerAt(event); drawPlane(); showAt(cursor[0], cursor[1]);
});
plane.addEventListener("click", (event) => {
  const [px, py] = pointerAt(event);
  let best = -1, bestDist = 100;  // squared pixels: within 10 px
  D.points.forEach((p, i) => {
    const [qx, qy] = toPx(p), d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d < bestDist) { best = i; bestDist = d; }
  });
  if (best < 0) return;
  selected = best; drawPlane();
  draw("input", inputs, best); draw("recon", recon, best);
  document.getElementById("selected").textContent =
    "sample " + best + (D.labels ? ", label " + D.labels[best] : "");
  plane.dataset.selected = String(best);
});
document.getElementById("legend").innerHTML = classes.map(
  (c) => '<span style="color:' + colour(c) + '">&#9679; ' + c.replace(/[<>&]/g, "") + "</span>").join("");
drawPlane();
showAt(plane.width / 2, plane.height / 2);
</script>
</body>
</html>
""")


def write_explorer(
    run_dir: str | os.PathLike, out: str | os.PathLike | None = None, *, grid: int = 25, estimator: Any = None
) -> Path:
    """Write the latent explorer page of a run folder and return its path.

    Parameters
    ----------
    run_dir : path
        A run folder written by ``aekit train`` / ``aekit demo``.
    out : path, optional
        Where to write it; ``RUN_DIR/explorer.html`` by default.
    grid : int, default=25
        Decoded points per side of the plane (``grid**2`` images are embedded).
    estimator : Autoencoder, optional
        The fitted model; loaded from ``RUN_DIR/model`` when None.

    Examples
    --------
    >>> from aekit.viz import write_explorer
    >>> write_explorer("aekit-demo")  # doctest: +SKIP
    PosixPath('aekit-demo/explorer.html')
    """
    data = explorer_data(run_dir, estimator, grid)
    if data["axis"] == "PCA":
        note = (f"The {data['latent_dim']}-d codes are shown on their first two principal components; points of "
                "the plane are decoded through the inverse PCA map.")
    else:
        note = f"The plane is the {data['latent_dim']}-d code itself."
    # "</" inside the JSON would end the script element early; JSON allows the escaped form.
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    page = _PAGE.substitute(title=html.escape(data["title"]), note=html.escape(note), data=payload)
    target = Path(out) if out is not None else Path(run_dir) / EXPLORER_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
