"""Can the sequence autoencoders beat PCA on windows? Settings chosen on validation data only.

``benchmarks/timeseries_anomaly.py`` found conv1d, LSTM and PCA on windows tied (AUROC 0.934 /
0.933 / 0.933) with fixed settings. This script tries a few principled changes, each chosen on
validation data carved from the *training* half of every seed's series, never on the test half:

- code size: a nonlinear code can follow the curve the windows trace (one phase) with fewer
  numbers than the 6-dimensional linear subspace PCA needs; the AEs try latent 2, 4 and 8, PCA
  2 to 16 components;
- denoising: the conv1d AE trained with Gaussian input noise (std 0.5 of the scaled signal);
- the score: "mean" is the benchmark's (squared error averaged over channels); "scaled max"
  divides each residual by its robust spread at that window position and channel on the training
  windows, and takes the largest channel (every injected anomaly hits one channel, which the mean
  dilutes with the others' noise). Every method gets both, chosen the same way.

Protocol per seed: the clean training half (3,000 steps) is split into a fit part (the first
2,000) and a validation part (the last 1,000), into which anomalies of every kind are injected
(2 per kind, seed + 1000). Each method's setting is the one with the best validation AUROC
averaged over the seeds; it is then refitted on the whole training half and scored once on the
test half, exactly as in ``timeseries_anomaly.py`` (same series, anomalies and AUROC). The table
also prints the other score of every refitted model, marked "for reading only": it separates what
the score and what the network contribute, and chose nothing.

    OMP_NUM_THREADS=1 python benchmarks/timeseries_vs_pca.py [--seeds 1 2 3] [--noise-floor]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch
from sklearn.decomposition import PCA

from aekit import TimeSeriesAnomalyDetector
from aekit.data.synthetic_series import ANOMALY_KINDS, inject_anomalies, multi_sine
from aekit.data.windows import SeriesScaler, make_windows, windows_to_steps
from aekit.evaluation.metrics import auroc

SETUP = {"n_steps": 6000, "n_channels": 4, "period": 50, "noise": 0.05, "per_kind": 3, "length": 30, "window": 64,
         "stride": 2, "epochs": 30}
FIT_STEPS = 2000  # of the 3,000 clean training steps; the rest is the validation series
SCORES = ("mean", "scaled max")
AE = {"conv1d": ("conv1d", {"channels": [32, 64]}), "lstm": ("lstm", {"feedback": False})}
# method -> candidate settings; the first is the one timeseries_anomaly.py uses.
CANDIDATES = {
    "PCA on windows": [{"k": k} for k in (8, 2, 4, 6, 12, 16)],
    "aekit conv1d": [{"net": "conv1d", "latent": z} for z in (8, 2, 4)] + [{"net": "conv1d", "latent": 8, "noise": 0.5}],
    "aekit lstm": [{"net": "lstm", "latent": z} for z in (8, 2)],
}


class Reconstructor:
    """Windows of a scaled series -> per-element residuals (n_windows, window, channels)."""

    def __init__(self, setting: dict, seed: int):
        self.setting, self.seed = setting, seed

    def fit(self, series: np.ndarray) -> Reconstructor:
        s, w = SETUP, self.setting
        if "k" in w:
            self.scaler = SeriesScaler().fit(series)
            self.pca = PCA(w["k"], random_state=0).fit(self._flat(series))
        else:
            recipe, options = AE[w["net"]]
            if "noise" in w:
                options = {**options, "corruption": {"name": "gaussian", "std": w["noise"]}}
            torch.manual_seed(self.seed)
            self.det = TimeSeriesAnomalyDetector(recipe, window=s["window"], stride=s["stride"], latent_dim=w["latent"],
                                                 epochs=s["epochs"], lr=3e-3, recipe_options=options,
                                                 random_state=self.seed, device="cpu").fit(series)
            self.scaler = self.det.scaler_
        # The robust spread of each (window position, channel) residual on the training windows.
        train_res = self.residuals(series)
        self.spread = 1.4826 * np.median(np.abs(train_res), axis=0) + 1e-12
        return self

    def _flat(self, series):
        windows = make_windows(self.scaler.transform(series), SETUP["window"], SETUP["stride"])
        return windows.reshape(len(windows), -1)

    def residuals(self, series: np.ndarray) -> np.ndarray:
        flat = self._flat(series)
        if hasattr(self, "pca"):
            recon = self.pca.inverse_transform(self.pca.transform(flat))
        else:
            recon = self.det.estimators_[0].reconstruct(flat)
        return (recon - flat).reshape(len(flat), SETUP["window"], -1)

    def step_scores(self, series: np.ndarray, score: str) -> np.ndarray:
        res = self.residuals(series)
        per_step = (res**2).mean(axis=2) if score == "mean" else ((res / self.spread) ** 2).max(axis=2)
        return windows_to_steps(per_step, len(series), SETUP["window"], SETUP["stride"])


def all_auroc(scores: np.ndarray, where: dict) -> float:
    anomalous = np.any(list(where.values()), axis=0)
    return auroc(anomalous.astype(int), scores)


def seed_data(seed: int):
    s = SETUP
    series = multi_sine(s["n_steps"], s["n_channels"], period=s["period"], noise=s["noise"], seed=seed)
    train, test = series[: s["n_steps"] // 2], series[s["n_steps"] // 2 :]
    test, test_where = inject_anomalies(test, ANOMALY_KINDS, per_kind=s["per_kind"], length=s["length"], seed=seed)
    val, val_where = inject_anomalies(train[FIT_STEPS:], ANOMALY_KINDS, per_kind=2, length=s["length"], seed=seed + 1000)
    return train, (val, val_where), (test, test_where)


def noise_floor(seeds) -> None:
    """PCA's held-out window error by k against the noise's variance (both in scaled units).

    When a few components already reach the noise floor, the windows hold nothing more for a
    nonlinear model to learn: the check that says "prefer PCA" before training anything.
    """
    ks = (2, 4, 6, 8, 12)
    print("| seed | noise variance (scaled) | " + " | ".join(f"PCA k={k}" for k in ks) + " |\n|---|" + "---:|" * (len(ks) + 1))
    for seed in seeds:
        train = seed_data(seed)[0]
        fit_part, held_out = train[:FIT_STEPS], train[FIT_STEPS:]
        errors = []
        for k in ks:
            model = Reconstructor({"k": k}, seed).fit(fit_part)
            errors.append(float(np.mean(model.residuals(held_out) ** 2)))
        noise = float(np.mean((SETUP["noise"] / model.scaler.scale_) ** 2))
        print(f"| {seed} | {noise:.5f} | " + " | ".join(f"{e:.5f}" for e in errors) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--noise-floor", action="store_true", help="only print PCA's held-out error against the noise")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.noise_floor:
        return noise_floor(args.seeds)
    data = {seed: seed_data(seed) for seed in args.seeds}
    val_auroc = {}  # (method, setting index, score) -> [per seed]
    start = time.perf_counter()
    for method, settings in CANDIDATES.items():
        for i, setting in enumerate(settings):
            for seed, (train, (val, where), _) in data.items():
                model = Reconstructor(setting, seed).fit(train[:FIT_STEPS])
                for score in SCORES:
                    val_auroc.setdefault((method, i, score), []).append(all_auroc(model.step_scores(val, score), where))
            print(f"validation {method} {setting}: " + ", ".join(
                f"{score} {np.mean(val_auroc[method, i, score]):.3f}" for score in SCORES)
                + f" ({time.perf_counter() - start:.0f} s)", flush=True)
    print("\n| method | setting | score | validation AUROC | test AUROC (mean ± std over seeds) | row |"
          "\n|---|---|---|---:|---:|---|")
    for method, settings in CANDIDATES.items():
        chosen = max(itertools.product(range(len(settings)), SCORES), key=lambda c: np.mean(val_auroc[(method, *c)]))
        for i in dict.fromkeys((0, chosen[0])):  # the fixed setting, then the chosen one
            # Refitted on the whole training half; both scores are printed, so the table shows what
            # the score and what the network contribute, but only the fixed and chosen rows count.
            fitted = {seed: Reconstructor(settings[i], seed).fit(train) for seed, (train, _, _) in data.items()}
            for score in SCORES:
                role = [label for label, c in (("fixed", (0, "mean")), ("chosen on validation", chosen))
                        if c == (i, score)]
                tests = [all_auroc(fitted[seed].step_scores(test, score), where)
                         for seed, (_, _, (test, where)) in data.items()]
                name = ", ".join(f"{k}={v}" for k, v in settings[i].items() if k != "net")
                print(f"| {method} | {name} | {score} | {np.mean(val_auroc[method, i, score]):.3f} | "
                      f"{np.mean(tests):.3f} ± {np.std(tests):.3f} | {' and '.join(role) or 'for reading only'} |",
                      flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
