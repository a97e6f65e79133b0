"""Numenta Anomaly Benchmark (NAB) scoring, written from the rules of Lavin & Ahmad (2015).

A detector emits one anomaly score per row of a time series; a row is a *detection* when its score is
``>= threshold``. Each file carries labelled anomaly *windows* (inclusive ``[start, end]`` timestamps).
The rules, per file:

- The first ``min(floor(0.15 * n_rows), floor(0.15 * 5000))`` rows (at most 750) are the probationary
  period, in which the detector is still learning: detections there count for nothing.
- Inside a window only the first detection counts. It earns ``A_TP * s(y) / s(-1)`` where ``s`` is
  the scaled sigmoid ``2 / (1 + exp(5 y)) - 1`` and ``y = -(end - i + 1) / width`` is the row's
  position relative to the window's end (``width`` rows; the first row of a window earns exactly
  ``A_TP``, the last one little more than 0). Later detections in the same window add nothing.
- A window without a detection costs ``-A_FN``.
- A detection outside every window is a false positive. Before the first window it costs ``-A_FP``;
  after a window it costs ``A_FP * s(y)`` with ``y = |i - end_prev| / (width_prev - 1)``, so an alarm
  just after a window (a late but related detection) costs little, and one more than three window
  widths later costs the full ``-A_FP``.
- True negatives score 0 (``A_TN`` is part of the published profiles but NAB's score never uses it).

Over a set of files the raw scores are summed and normalised between the null detector (no
detections: ``-A_FN`` per window) and the perfect one (``A_TP`` per window):
``100 * (S - S_null) / (S_perfect - S_null)``. NAB reports every detector at the one threshold that
maximises its summed raw score over the corpus; :func:`nab_optimal_threshold` finds it exactly by
sweeping every distinct anomaly score. The scores reproduce NAB's published per-file scores of its
numenta and windowedGaussian detectors (see ``tests/evaluation/test_nab.py``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

PROBATION_FRACTION = 0.15
# NAB caps the probationary period at the fraction of 5000 rows (750 rows at 15%), so long files are
# not mostly probation.
PROBATION_CAP_ROWS = 5000


@dataclass(frozen=True)
class NABProfile:
    """The weights of one NAB scoring profile (its cost matrix)."""

    name: str
    tp_weight: float
    fp_weight: float
    tn_weight: float
    fn_weight: float


# NAB's three published profiles (config/profiles.json of the benchmark).
NAB_PROFILES: dict[str, NABProfile] = {
    "standard": NABProfile("standard", tp_weight=1.0, fp_weight=0.11, tn_weight=1.0, fn_weight=1.0),
    "reward_low_FP_rate": NABProfile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, tn_weight=1.0, fn_weight=1.0),
    "reward_low_FN_rate": NABProfile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, tn_weight=1.0, fn_weight=2.0),
}


class NABSeries(NamedTuple):
    """One detector output: a timestamp and an anomaly score per row."""

    timestamps: np.ndarray
    scores: np.ndarray


@dataclass
class NABFileScore:
    """The raw NAB score of one file at one threshold, with its row counts.

    ``tp``/``fp``/``tn``/``fn`` count rows after the probationary period (a row inside a window is
    positive). ``contributions`` holds each row's share of ``score``, as NAB's ``S(t)`` result
    column does: a window's reward or miss cost sits on the window's first row, a false positive's
    cost on its own row.
    """

    score: float
    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    windows: int
    detected_windows: int
    probation: int
    null_score: float
    perfect_score: float
    contributions: np.ndarray = field(repr=False)

    @property
    def normalised(self) -> float:
        """``100 * (score - null) / (perfect - null)``; NaN for a file without windows."""
        return _normalise(self.score, self.null_score, self.perfect_score)


@dataclass
class NABGroupScore:
    """Summed raw scores of a group of files and their normalised score."""

    score: float
    null_score: float
    perfect_score: float
    files: int

    @property
    def normalised(self) -> float:
        return _normalise(self.score, self.null_score, self.perfect_score)


@dataclass
class NABReport:
    """The result of :func:`nab_score`: per file, per category (the folder of each file key) and total."""

    profile: NABProfile
    threshold: float
    files: dict[str, NABFileScore]
    categories: dict[str, NABGroupScore]
    total: NABGroupScore

    @property
    def score(self) -> float:
        """The normalised score over every file scored (NAB's headline number)."""
        return self.total.normalised


def _normalise(score: float, null: float, perfect: float) -> float:
    span = perfect - null
    return 100.0 * (score - null) / span if span > 0 else float("nan")


def resolve_profile(profile: str | NABProfile) -> NABProfile:
    """A profile by name (``standard``, ``reward_low_FP_rate``, ``reward_low_FN_rate``) or as given."""
    if isinstance(profile, NABProfile):
        return profile
    try:
        return NAB_PROFILES[profile]
    except (KeyError, TypeError):
        raise ValueError(f"profile must be one of {sorted(NAB_PROFILES)} or a NABProfile; got {profile!r}") from None


def probationary_length(n_rows: int, fraction: float = PROBATION_FRACTION) -> int:
    """Rows at the start of a file whose detections do not count: ``min(floor(f * n), floor(f * 5000))``."""
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"probationary fraction must be in [0, 1), got {fraction}")
    return min(math.floor(fraction * n_rows), math.floor(fraction * PROBATION_CAP_ROWS))


def scaled_sigmoid(position):
    """NAB's ``2 / (1 + exp(5 y)) - 1``, forced to ``-1`` beyond ``y = 3`` (far after a window).

    Positive inside a window (``y`` in ``[-1, 0)``), 0 at its end, negative after it.
    """
    y = np.asarray(position, dtype=np.float64)
    # exp overflows only where y > 3, which the where() replaces anyway
    with np.errstate(over="ignore"):
        value = np.where(y > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * y)) - 1.0)
    return float(value) if value.ndim == 0 else value


def _timestamps(values, name: str) -> np.ndarray:
    try:
        ts = np.asarray(values, dtype="datetime64[us]")
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be timestamps (datetime64 or ISO strings such as '2014-04-10 07:15:00'): {err}") from None
    if ts.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {ts.shape}")
    if np.isnat(ts).any():
        raise ValueError(f"{name} holds a missing timestamp (NaT) at row {int(np.flatnonzero(np.isnat(ts))[0])}")
    return ts


class _FileLayout:
    """What the rules make of one file, independent of the threshold.

    ``value[i]`` is what a detection at row ``i`` earns if it counts: the early-detection reward of
    its window, or the false-positive cost for its distance after the previous window.
    ``window_of[i]`` is the row's window (``-1`` outside every window).
    """

    def __init__(self, timestamps, scores, windows, profile: NABProfile, name: str = "file"):
        ts = _timestamps(timestamps, f"timestamps of {name}")
        sc = np.asarray(scores, dtype=np.float64)
        if sc.shape != ts.shape:
            raise ValueError(f"scores of {name} must have one value per timestamp: {sc.shape[0] if sc.ndim else sc.shape} "
                             f"scores for {ts.shape[0]} timestamps")
        if not np.isfinite(sc).all():
            raise ValueError(f"scores of {name} must be finite; row {int(np.flatnonzero(~np.isfinite(sc))[0])} is {sc[~np.isfinite(sc)][0]}")
        self.name, self.profile, self.scores = name, profile, sc
        self.n = len(ts)
        self.probation = probationary_length(self.n)
        self.windows = self._window_rows(ts, windows)
        self.window_of = np.full(self.n, -1, dtype=np.int64)
        self.value = np.empty(self.n, dtype=np.float64)
        self._fill_values()

    def _window_rows(self, ts: np.ndarray, windows) -> list[tuple[int, int]]:
        rows = []
        for k, window in enumerate(windows):
            if len(window) != 2:
                raise ValueError(f"window {k} of {self.name} must be a (start, end) pair, got {window!r}")
            start, end = _timestamps(list(window), f"window {k} of {self.name}")
            if end < start:
                raise ValueError(f"window {k} of {self.name} ends ({end}) before it starts ({start})")
            # by comparison, not by search: NAB's own files have a few rows out of time order
            inside = np.flatnonzero((ts >= start) & (ts <= end))
            if inside.size == 0:
                span = f"{ts.min()} to {ts.max()}" if len(ts) else "no rows"
                raise ValueError(f"window {k} of {self.name} ({start} to {end}) holds no row of the file (its timestamps "
                                 f"run {span}): are these the labels of this file?")
            first, last = int(inside[0]), int(inside[-1])
            if inside.size != last - first + 1:
                raise ValueError(f"window {k} of {self.name} ({start} to {end}) is not one run of rows: rows {first}..{last} "
                                 "include rows outside it (timestamps out of order?)")
            rows.append((first, last))
        rows.sort()
        for (_, prev_last), (first, _) in itertools.pairwise(rows):
            if first <= prev_last:
                raise ValueError(f"windows of {self.name} overlap (rows {first}..{prev_last} are in two windows)")
        return rows

    def _fill_values(self) -> None:
        p = self.profile
        max_reward = scaled_sigmoid(-1.0)  # the reward of a window's first row, scaled to A_TP
        rows = np.arange(self.n)
        # before the first window a false positive has no window to be late for: full cost
        self.value[:] = -p.fp_weight
        for k, (first, last) in enumerate(self.windows):
            width = last - first + 1
            inside = slice(first, last + 1)
            self.window_of[inside] = k
            self.value[inside] = p.tp_weight * scaled_sigmoid(-(last - rows[inside] + 1) / width) / max_reward
            after_end = self.windows[k + 1][0] if k + 1 < len(self.windows) else self.n
            after = slice(last + 1, after_end)
            # NAB divides by width - 1; a one-row window (undefined there) uses 1
            self.value[after] = p.fp_weight * scaled_sigmoid((rows[after] - last) / max(width - 1, 1))

    def score(self, threshold: float) -> NABFileScore:
        p = self.profile
        counted = np.arange(self.n) >= self.probation
        detected = (self.scores >= threshold) & counted
        in_window = self.window_of >= 0
        contributions = np.zeros(self.n, dtype=np.float64)
        false_pos = detected & ~in_window
        contributions[false_pos] = self.value[false_pos]
        found = 0
        for k, (first, last) in enumerate(self.windows):
            hits = np.flatnonzero(detected[first:last + 1])
            if hits.size:  # only the first detection in a window counts
                found += 1
                contributions[first] += self.value[first + hits[0]]
            else:
                contributions[first] -= p.fn_weight
        n_windows = len(self.windows)
        return NABFileScore(
            score=float(contributions.sum()), threshold=float(threshold),
            tp=int((detected & in_window).sum()), fp=int(false_pos.sum()),
            tn=int((counted & ~detected & ~in_window).sum()), fn=int((counted & ~detected & in_window).sum()),
            windows=n_windows, detected_windows=found, probation=self.probation,
            null_score=-p.fn_weight * n_windows, perfect_score=p.tp_weight * n_windows, contributions=contributions,
        )


def nab_score_file(timestamps, scores, windows: Sequence, threshold: float,
                   profile: str | NABProfile = "standard") -> NABFileScore:
    """The raw NAB score of one detector output on one file.

    Parameters
    ----------
    timestamps : array-like
        One timestamp (datetime64 or ISO string) per row, in file order. Windows are matched by
        timestamp; positions inside and after them count rows, as NAB's do.
    scores : array-like
        The detector's anomaly score per row.
    windows : sequence
        The labelled anomaly windows, ``(start, end)`` timestamp pairs (inclusive).
    threshold : float
        Rows with ``score >= threshold`` are detections.
    profile : str or NABProfile
        A name from ``NAB_PROFILES`` or a :class:`NABProfile`.

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.arange("2020-01-01", 100, dtype="datetime64[h]")  # 100 hourly rows, probation 15
    >>> scores = np.zeros(100); scores[40] = 1.0
    >>> r = nab_score_file(ts, scores, [(ts[40], ts[49])], threshold=0.5)
    >>> r.score, r.tp, r.detected_windows   # detected on the window's first row: the full A_TP
    (1.0, 1, 1)
    """
    return _FileLayout(timestamps, scores, windows, resolve_profile(profile)).score(threshold)


def _layouts(results: Mapping, labels: Mapping, profile: NABProfile) -> dict[str, _FileLayout]:
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping of file name -> (timestamps, scores)")
    missing = [name for name in results if name not in labels]
    if missing:
        raise ValueError(f"labels has no windows for {len(missing)} result file(s), e.g. {missing[:3]}; result keys must "
                         f"match the label keys (such as {list(labels)[:2]})")
    layouts = {}
    for name, series in results.items():
        try:
            timestamps, scores = series
        except (TypeError, ValueError):
            raise ValueError(f"results[{name!r}] must be a (timestamps, scores) pair or NABSeries") from None
        layouts[name] = _FileLayout(timestamps, scores, labels[name], profile, name=name)
    return layouts


def _optimal_threshold(layouts: Mapping[str, _FileLayout]) -> tuple[float, float]:
    """The threshold maximising the summed raw score, by an exact sweep over every distinct score.

    Lowering the threshold past a score value turns those rows into detections. A false positive adds
    its fixed cost; a detection in a window replaces the window's current value (the miss cost, or the
    reward of its earliest detection so far) when it is earlier, and rewards only grow towards a
    window's start, so the window's value is the best reward among its detected rows.
    """
    scores, values, window_ids, miss_cost = [], [], [], []
    for layout in layouts.values():
        keep = slice(layout.probation, None)
        offset = len(miss_cost)
        scores.append(layout.scores[keep])
        values.append(layout.value[keep])
        window_ids.append(np.where(layout.window_of[keep] >= 0, layout.window_of[keep] + offset, -1))
        miss_cost.extend([-layout.profile.fn_weight] * len(layout.windows))
    scores, values, window_ids = np.concatenate(scores), np.concatenate(values), np.concatenate(window_ids)
    if scores.size == 0:
        raise ValueError("no row lies after the probationary period of any file; nothing to sweep")
    order = np.argsort(-scores, kind="stable")
    scores, values, window_ids = scores[order], values[order], window_ids[order]
    window_value = list(miss_cost)
    detected = [False] * len(miss_cost)
    total = float(sum(miss_cost))
    # no detection at all: a threshold just above the highest score
    best_total, best_threshold = total, float(np.nextafter(scores[0], np.inf))
    ends = np.flatnonzero(np.r_[scores[1:] != scores[:-1], True])  # last index of each run of equal scores
    start = 0
    for end in ends:
        for v, w in zip(values[start:end + 1].tolist(), window_ids[start:end + 1].tolist()):
            if w < 0:
                total += v
            elif not detected[w] or v > window_value[w]:
                total += v - window_value[w]
                window_value[w], detected[w] = v, True
        if total > best_total:  # strict: on a tie keep the higher threshold (fewer detections)
            best_total, best_threshold = total, float(scores[end])
        start = end + 1
    return best_threshold, best_total


def nab_optimal_threshold(results: Mapping, labels: Mapping, profile: str | NABProfile = "standard") -> tuple[float, float]:
    """NAB's optimiser: the one threshold maximising the summed raw score over all files in ``results``.

    Exact (every distinct anomaly score after the probationary periods is tried); on a tie the higher
    threshold wins. Returns ``(threshold, summed raw score)``; when no threshold beats detecting
    nothing, the threshold lies just above the highest score.
    """
    return _optimal_threshold(_layouts(results, labels, resolve_profile(profile)))


def _category(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _group(files: Sequence[NABFileScore]) -> NABGroupScore:
    return NABGroupScore(score=float(sum(f.score for f in files)), null_score=float(sum(f.null_score for f in files)),
                         perfect_score=float(sum(f.perfect_score for f in files)), files=len(files))


def nab_score(results: Mapping, labels: Mapping, profile: str | NABProfile = "standard",
              threshold: float | None = None) -> NABReport:
    """Score a detector's outputs on a set of NAB files.

    Parameters
    ----------
    results : Mapping
        File key (e.g. ``"realKnownCause/nyc_taxi.csv"``) to ``(timestamps, scores)`` or
        :class:`NABSeries` (see :func:`aekit.evaluation.read_nab_results`).
    labels : Mapping
        The same keys to their windows (see :func:`aekit.evaluation.read_nab_labels`); labels of
        files not in ``results`` are ignored.
    profile : str or NABProfile
        A name from ``NAB_PROFILES`` or a :class:`NABProfile`.
    threshold : float or None
        Detection threshold (``score >= threshold``); ``None`` sweeps for the one that maximises
        the summed raw score over ``results`` (:func:`nab_optimal_threshold`), as NAB does.

    Returns
    -------
    NABReport
        ``files`` (raw scores and counts), ``categories`` (grouped by the folder of each key) and
        ``total``; ``report.score`` is the normalised total.
    """
    prof = resolve_profile(profile)
    layouts = _layouts(results, labels, prof)
    if threshold is None:
        threshold, _ = _optimal_threshold(layouts)
    elif not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number or None (to sweep), got {threshold}")
    files = {name: layout.score(threshold) for name, layout in layouts.items()}
    by_category: dict[str, list[NABFileScore]] = {}
    for name, result in files.items():
        by_category.setdefault(_category(name), []).append(result)
    return NABReport(profile=prof, threshold=float(threshold), files=files,
                     categories={c: _group(fs) for c, fs in sorted(by_category.items())},
                     total=_group(list(files.values())))
