"""Readers for the Numenta Anomaly Benchmark's files: label windows, profiles and detector results.

NAB keys every file by its path under the data folder, ``<category>/<name>.csv``; these readers use
the same keys so results and labels line up in :func:`aekit.evaluation.nab_score`.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from .nab import NABProfile, NABSeries, _timestamps


def _read_json(path, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} file not found: {str(path)!r}") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} file {str(path)!r} is not valid JSON: {err}") from None


def read_nab_labels(path: str | os.PathLike) -> dict[str, list[tuple[np.datetime64, np.datetime64]]]:
    """NAB's window labels (``labels/combined_windows.json``): file key -> list of ``(start, end)``.

    The anomaly-point file ``combined_labels.json`` is refused with a message: NAB scores against
    the windows built around those points, not the points themselves.
    """
    raw = _read_json(path, "NAB labels")
    try:
        entries = list(raw.items())
    except AttributeError:
        raise ValueError(f"NAB labels file {str(path)!r} must hold an object of file key -> windows") from None
    labels = {}
    for name, windows in entries:
        if not isinstance(windows, list) or any(isinstance(w, str) for w in windows):
            raise ValueError(f"windows of {name!r} in {str(path)!r} must be a list of [start, end] pairs; anomaly "
                             "timestamps (NAB's combined_labels.json) are not windows: scoring needs combined_windows.json")
        pairs = []
        for k, window in enumerate(windows):
            if not isinstance(window, list) or len(window) != 2:
                raise ValueError(f"window {k} of {name!r} in {str(path)!r} must be a [start, end] pair, got {window!r}")
            start, end = _timestamps(window, f"window {k} of {name!r} in {str(path)!r}")
            pairs.append((start, end))
        labels[name] = pairs
    return labels


def read_nab_profiles(path: str | os.PathLike) -> dict[str, NABProfile]:
    """NAB's scoring profiles (``config/profiles.json``): name -> :class:`NABProfile`."""
    raw = _read_json(path, "NAB profiles")
    profiles = {}
    keys = ("tpWeight", "fpWeight", "tnWeight", "fnWeight")
    for name, entry in (raw.items() if isinstance(raw, dict) else []):
        matrix = entry.get("CostMatrix") if isinstance(entry, dict) else None
        if not isinstance(matrix, dict) or not all(k in matrix for k in keys):
            raise ValueError(f"profile {name!r} in {str(path)!r} must have a CostMatrix with {', '.join(keys)}")
        profiles[name] = NABProfile(name, *(float(matrix[k]) for k in keys))
    if not profiles:
        raise ValueError(f"NAB profiles file {str(path)!r} holds no profile (expected name -> {{'CostMatrix': ...}})")
    return profiles


def read_nab_series(path: str | os.PathLike, score_column: str = "anomaly_score") -> NABSeries:
    """One result CSV: its ``timestamp`` column and its anomaly scores (``score_column``)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = list(reader)
    except FileNotFoundError:
        raise FileNotFoundError(f"NAB result file not found: {str(path)!r}") from None
    if header is None:
        raise ValueError(f"NAB result file {str(path)!r} is empty")
    for column in ("timestamp", score_column):
        if column not in header:
            raise ValueError(f"NAB result file {str(path)!r} has no {column!r} column (its columns: {header})")
    t_col, s_col = header.index("timestamp"), header.index(score_column)
    try:
        scores = np.array([float(row[s_col]) for row in rows], dtype=np.float64)
    except (ValueError, IndexError) as err:
        raise ValueError(f"{score_column!r} of {str(path)!r} must be numbers on every row: {err}") from None
    return NABSeries(_timestamps([row[t_col] for row in rows], f"timestamps of {str(path)!r}"), scores)


def read_nab_results(folder: str | os.PathLike, detector: str | None = None,
                     score_column: str = "anomaly_score") -> dict[str, NABSeries]:
    """Every result CSV under ``folder`` (``<category>/<name>.csv``), keyed like NAB's labels.

    NAB writes a detector's results as ``results/<detector>/<category>/<detector>_<name>.csv``; pass
    ``detector`` to drop that file-name prefix so the keys match the label keys.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"NAB results folder not found: {str(root)!r}")
    results = {}
    for path in sorted(root.rglob("*.csv")):
        rel = path.relative_to(root)
        name = rel.name
        if detector and name.startswith(f"{detector}_"):
            name = name[len(detector) + 1:]
        key = (rel.parent / name).as_posix()
        if key in results:
            raise ValueError(f"two result files under {str(root)!r} map to the key {key!r}")
        results[key] = read_nab_series(path, score_column)
    if not results:
        raise ValueError(f"no .csv result files under {str(root)!r}")
    return results
