"""PCA front end (``input_pca``).

The ``fashion-mnist-fast`` preset as it is (its MLP works on the top principal-component
coordinates, ``recipe_options['input_pca']``) and the same preset without the front end (the MLP
reads all 784 pixels), same seed, epochs and schedule (2 epochs with ``--quick``), one after the
other; test MSE per pixel on the 10,000 test images. Derived: the speed-up of the front end and
the change of test MSE it brings.
"""

from __future__ import annotations

import aekit

from .harness import Context, Result, Section, Table, fmt, uptime
from .workloads import est_test_mse, fit_preset


def run(ctx: Context) -> Result:
    base = aekit.preset("fashion-mnist-fast")
    without = {k: v for k, v in base["recipe_options"].items() if k != "input_pca"}
    quick = {"epochs": 2} if ctx.quick else {}
    fits, rows = {}, []
    for label, options in ((f"input_pca={base['recipe_options'].get('input_pca')}", base["recipe_options"]),
                           ("no front end", without)):
        seconds, est = fit_preset("fashion-mnist-fast", ctx.data.train, recipe_options=options, **quick)
        fits[label] = (seconds, est_test_mse(est, ctx.data.test))
        rows.append([label, fmt(seconds, 1), fmt(fits[label][1], 5)])
    (t_pca, m_pca), (t_raw, m_raw) = fits.values()
    return Result(
        settings={"preset": "fashion-mnist-fast", **quick},
        tables=[Table(["MLP input", "fit s", "test MSE"], rows)],
        derived={"front end speed-up (no front end s / front end s)": f"{t_raw / t_pca:.2f}x",
                 "test MSE, front end vs no front end": f"{100 * (m_pca - m_raw) / m_raw:+.1f}%",
                 "load": f"`{uptime()}`"},
        data=fits,
    )


SECTION = Section("front", "PCA front end (input_pca)", run)
