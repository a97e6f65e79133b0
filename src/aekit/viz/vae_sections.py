"""The report's generation figures for VAEs, drawn with :mod:`aekit.models.generation`.

Kept apart from :mod:`aekit.viz.report` so that the report still works (without this section)
in a build where the generation module is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .figures import plot_image_grid

N_SAMPLES = 20
N_PAIRS = 4
STEPS = 10
MANIFOLD_SIDE = 15
PER_CLASS = 10  # samples per class of a conditional model
MAX_CLASS_ROWS = 20


def _to_input_units(estimator: Any, out: torch.Tensor) -> np.ndarray:
    """Model-space outputs (n, *input_shape) back to the data's units, flat."""
    flat = out.detach().cpu().numpy().reshape(len(out), -1).astype(np.float64)
    return flat * estimator.scale_ + estimator.offset_


def vae_figures(run: Any, figdir: Path, estimator: Any) -> list[tuple[Path, str]]:
    """(PNG path, caption) pairs: prior samples, interpolations and, for a 2-D code, the manifold.

    Empty when :mod:`aekit.models.generation` is unavailable.
    """
    try:
        from ..models import generation
    except ImportError:
        return []
    model = estimator.model_
    shape = tuple(run.summary.get("sample_shape") or estimator.input_shape_)
    if getattr(model, "n_conditions", 0):
        return _samples_per_class(estimator, generation, figdir, shape)
    figures = []
    samples = _to_input_units(estimator, generation.sample_prior(model, N_SAMPLES, seed=0))
    figures.append((plot_image_grid(samples, figdir / "vae_samples.png", shape, ncols=10, title="Samples from the prior"),
                    f"{N_SAMPLES} codes drawn from the prior N(0, I), decoded to the mean of p(x | z)."))

    inputs = run.arrays.get("inputs")
    if inputs is not None and len(inputs) >= 2:
        flat = inputs.reshape(len(inputs), -1).astype(np.float64)
        scaled = ((flat - estimator.offset_) / estimator.scale_).astype(np.float32)
        rows = []
        for k in range(min(N_PAIRS, len(scaled) // 2)):
            path = generation.interpolate(model, scaled[2 * k], scaled[2 * k + 1], steps=STEPS, method="linear")
            rows.append(_to_input_units(estimator, path))
        figures.append((plot_image_grid(np.concatenate(rows), figdir / "vae_interpolations.png", shape, ncols=STEPS,
                                        title="Interpolations"),
                        "Each row decodes evenly spaced points on the straight line between two inputs' codes."))

    if model.latent_dim == 2:
        grid = _to_input_units(estimator, generation.manifold_grid(model, MANIFOLD_SIDE))
        figures.append((plot_image_grid(grid, figdir / "vae_manifold.png", shape, ncols=MANIFOLD_SIDE,
                                        title="Learned manifold"),
                        "The decoder over the 2-D code at Gaussian inverse-CDF spaced points (5% to 95%), "
                        "second dimension growing upwards."))
    return figures


def _samples_per_class(estimator: Any, generation: Any, figdir: Path, shape: tuple[int, ...]) -> list[tuple[Path, str]]:
    """A conditional model's samples: one row per class (the first ``MAX_CLASS_ROWS`` classes), the
    same prior codes in every row, so the rows differ by the class alone."""
    model = estimator.model_
    classes = getattr(estimator, "condition_classes_", None)
    names = [str(c) for c in (classes if classes is not None else range(model.n_conditions))][:MAX_CLASS_ROWS]
    rows = [_to_input_units(estimator, generation.sample_prior(model, PER_CLASS, seed=0,
                                                              condition=torch.full((PER_CLASS,), k)))
            for k in range(len(names))]
    path = plot_image_grid(np.concatenate(rows), figdir / "vae_samples.png", shape, ncols=PER_CLASS,
                           title="Samples per class")
    caption = (f"{PER_CLASS} codes drawn from the prior N(0, I), decoded with each class in turn (rows: "
               f"{', '.join(names)}): the same codes in every row, so a column keeps its style.")
    return [(path, caption)]
