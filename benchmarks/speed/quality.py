"""Time to quality.

``aekit.Autoencoder(**aekit.preset('fashion-mnist-fast'))`` (equivalently ``aekit train
fashion-mnist --preset fashion-mnist-fast --out runs/fast``) on the 60,000 training images; the fit
time is the whole ``fit`` call (preprocessing check, training, restoring weights). Test MSE per
pixel on the 10,000 test images (trained weights evaluated in fp32), against PCA with the same 32
components. The goal counts the fit time on the 2 cores of the machine it was set on.
"""

from __future__ import annotations

import numpy as np
import torch

from .harness import Context, Goal, Result, Section, Table, fmt, uptime
from .workloads import est_test_mse, fit_preset


def run(ctx: Context) -> Result:
    from sklearn.decomposition import PCA

    Xtr, Xte = ctx.data.train, ctx.data.test
    pca = PCA(32, random_state=0).fit(Xtr)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(Xte)) - Xte) ** 2))
    seconds, est = fit_preset("fashion-mnist-fast", Xtr)
    mse = est_test_mse(est, Xte)
    return Result(
        settings={"preset": "fashion-mnist-fast", "training rows": len(Xtr), "test rows": len(Xte)},
        tables=[Table(["model", "fit s", "test MSE"], [["PCA, 32 components", "-", fmt(pca_mse, 5)],
                                                      ["aekit preset fashion-mnist-fast", fmt(seconds, 1),
                                                       fmt(mse, 5)]])],
        derived={"load while it ran": f"`{uptime()}`", "threads": str(torch.get_num_threads())},
        goals=[Goal("time to quality: test MSE and fit time (2 cores)", f"{mse:.5f} in {seconds:.1f} s",
                    "<= 0.0100 in <= 20 s", mse <= 0.0100 and seconds <= 20)],
        data={"seconds": seconds, "mse": mse, "pca": pca_mse},
    )


SECTION = Section("quality", "Time to quality", run)
