"""NAB scoring: each rule on small synthetic files, and NAB's published scores of its own detectors."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from aekit.evaluation import (
    NAB_PROFILES,
    NABProfile,
    nab_optimal_threshold,
    nab_score,
    nab_score_file,
    read_nab_labels,
    read_nab_profiles,
    read_nab_results,
    read_nab_series,
)
from aekit.evaluation.nab import probationary_length, scaled_sigmoid

N = 100  # rows per synthetic file: probation 15
TS = np.arange("2020-01-01T00", N, dtype="datetime64[h]")
WINDOW = (TS[40], TS[49])  # rows 40..49, width 10
MAX_TP = 2 / (1 + math.exp(-5)) - 1  # s(-1): the reward of a window's first row before scaling


def _alarms(*rows, n=N):
    scores = np.zeros(n)
    scores[list(rows)] = 1.0
    return scores


def _score(*rows, windows=(WINDOW,), profile="standard"):
    return nab_score_file(TS, _alarms(*rows), list(windows), threshold=0.5, profile=profile)


def _reward(last_row_distance, width=10):
    """Expected A_TP-scaled reward of a detection ``last_row_distance`` rows before a window's end."""
    y = -(last_row_distance + 1) / width
    return (2 / (1 + math.exp(5 * y)) - 1) / MAX_TP


# --- the rules, one at a time ---------------------------------------------------------------------

def test_probationary_period_is_15_percent_capped_at_750_rows():
    assert [probationary_length(n) for n in (100, 1243, 4032, 4730, 5000, 5001, 22695)] == [15, 186, 604, 709, 750, 750, 750]
    # detections inside the probation count for nothing; the first row after it counts
    in_probation = _score(3, 14)
    assert in_probation.score == -1.0 and in_probation.fp == 0 and in_probation.probation == 15
    first_counted = _score(15)
    assert first_counted.score == pytest.approx(-1.0 - 0.11) and first_counted.fp == 1


def test_early_detection_in_a_window_earns_more_than_late():
    first, middle, last = _score(40), _score(45), _score(49)
    assert first.score == pytest.approx(1.0)  # the first row earns exactly A_TP
    assert middle.score == pytest.approx(_reward(4)) == pytest.approx(0.8598, abs=1e-4)
    assert last.score == pytest.approx(_reward(0)) == pytest.approx(0.2482, abs=1e-4)
    assert first.detected_windows == middle.detected_windows == last.detected_windows == 1


def test_only_the_first_detection_in_a_window_counts():
    one = _score(47)
    many = _score(47, 48, 49)
    earlier_too = _score(42, 47)
    assert many.score == pytest.approx(one.score)
    assert earlier_too.score == pytest.approx(_reward(7))
    assert (many.tp, many.fn) == (3, 7)  # the counts are per row
    # its reward sits on the window's first row, as in NAB's S(t) column
    assert np.flatnonzero(earlier_too.contributions).tolist() == [40]


def test_false_positive_cost_grows_with_distance_after_the_window():
    detected = _reward(9)  # window detected on its first row in every case below: 1.0
    assert detected == pytest.approx(1.0)
    before = _score(40, 20).score - 1.0
    just_after = _score(40, 52).score - 1.0
    later = _score(40, 60).score - 1.0
    far = _score(40, 80).score - 1.0
    assert before == pytest.approx(-0.11)  # no window before it: full cost
    # y = distance / (width - 1): 3/9 and 11/9; beyond 3 widths the full cost
    assert just_after == pytest.approx(0.11 * (2 / (1 + math.exp(5 * 3 / 9)) - 1)) == pytest.approx(-0.0750, abs=1e-4)
    assert later == pytest.approx(0.11 * (2 / (1 + math.exp(5 * 11 / 9)) - 1))
    assert far == pytest.approx(-0.11)
    assert just_after > later > far
    assert _score(40, 52).fp == 1 and _score(40, 52).contributions[52] == pytest.approx(just_after)


def test_missed_window_costs_a_fn_per_window():
    two = [(TS[30], TS[34]), (TS[60], TS[69])]
    none = _score(windows=two)
    assert none.score == -2.0 and none.detected_windows == 0 and none.fn == 15
    assert _score(windows=two, profile="reward_low_FN_rate").score == -4.0
    one = _score(61, windows=two)  # second window found on its second row
    assert one.score == pytest.approx(-1.0 + _reward(8))
    assert np.flatnonzero(one.contributions).tolist() == [30, 60]


def test_profiles_weigh_false_positives_and_misses():
    assert NAB_PROFILES["standard"] == NABProfile("standard", 1.0, 0.11, 1.0, 1.0)
    fp_only = [_score(20, profile=p).score for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate")]
    assert fp_only == pytest.approx([-0.11 - 1, -0.22 - 1, -0.11 - 2])
    custom = NABProfile("custom", tp_weight=0.5, fp_weight=0.3, tn_weight=1.0, fn_weight=1.5)
    assert _score(40, 20, profile=custom).score == pytest.approx(0.5 - 0.3)
    with pytest.raises(ValueError, match="profile must be one of"):
        _score(40, profile="lenient")


def test_counts_cover_the_rows_after_probation():
    r = _score(3, 20, 41, 42, 70)
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 2, 8, N - 15 - 12)


def test_normalisation_puts_null_at_0_and_perfect_at_100():
    labels = {"a/one.csv": [WINDOW], "a/two.csv": [(TS[20], TS[29]), (TS[70], TS[79])], "b/quiet.csv": []}
    null = {name: (TS, np.zeros(N)) for name in labels}
    perfect = {"a/one.csv": (TS, _alarms(40)), "a/two.csv": (TS, _alarms(20, 70)), "b/quiet.csv": (TS, np.zeros(N))}
    for profile in NAB_PROFILES:
        assert nab_score(null, labels, profile, threshold=0.5).score == pytest.approx(0.0)
        report = nab_score(perfect, labels, profile, threshold=0.5)
        assert report.score == pytest.approx(100.0)
        assert report.total.perfect_score == 3.0 and report.files["a/two.csv"].normalised == pytest.approx(100.0)
    half = nab_score({"a/one.csv": (TS, _alarms(49)), "a/two.csv": (TS, np.zeros(N))}, labels, threshold=0.5)
    # (S - S_null) / (S_perfect - S_null) over both files: S = r - 2, null = -3, perfect = 3
    assert half.score == pytest.approx(100 * (_reward(0) - 2 + 3) / 6)
    assert half.categories["a"].normalised == pytest.approx(half.score)
    # a file or category without windows has no perfect/null span
    report = nab_score({"b/quiet.csv": (TS, _alarms(50))}, labels, threshold=0.5)
    assert report.files["b/quiet.csv"].score == pytest.approx(-0.11) and math.isnan(report.score)


def test_threshold_sweep_finds_the_best_threshold():
    rng = np.random.default_rng(3)
    labels = {f"c/f{k}.csv": [(TS[30 + 10 * k], TS[39 + 10 * k])] for k in range(4)}
    results = {}
    for k, name in enumerate(labels):
        scores = np.round(rng.random(N), 2)  # ties on purpose
        scores[35 + 10 * k] = 0.9 + 0.02 * k  # a detectable anomaly late in each window
        results[name] = (TS, scores)
    threshold, best = nab_optimal_threshold(results, labels)
    candidates = np.unique(np.concatenate([s[15:] for _, s in results.values()]))
    brute = {t: nab_score(results, labels, threshold=t).total.score for t in candidates}
    best_brute = max(brute.values())
    assert best == pytest.approx(best_brute, abs=1e-12)
    assert threshold == max(t for t, v in brute.items() if v == pytest.approx(best_brute, abs=1e-12))
    swept = nab_score(results, labels)
    assert swept.threshold == threshold and swept.total.score == pytest.approx(best)
    assert best > nab_score(results, labels, threshold=0.5).total.score


def test_sweep_keeps_the_higher_threshold_on_a_tie():
    scores = np.zeros(N)
    scores[40], scores[45] = 0.9, 0.5  # the 0.5 detection is a later one in the same window: adds nothing
    assert nab_optimal_threshold({"c/a.csv": (TS, scores)}, {"c/a.csv": [WINDOW]}) == (0.9, 1.0)


def test_sweep_detects_nothing_when_every_detection_hurts():
    labels = {"c/a.csv": [WINDOW]}
    scores = np.zeros(N)
    scores[60:] = np.linspace(0.1, 0.9, N - 60)  # only false positives
    threshold, best = nab_optimal_threshold({"c/a.csv": (TS, scores)}, labels)
    assert best == -1.0 and threshold > scores.max()
    assert nab_score({"c/a.csv": (TS, scores)}, labels).score == 0.0


def test_windows_are_matched_by_timestamp_even_out_of_order():
    # NAB's machine_temperature file steps back in time once; positions still count rows in file order
    ts = TS.copy()
    ts[50:] -= np.timedelta64(2, "h")  # rows 48, 49 repeat as rows 50, 51
    window = (ts[45], ts[55])  # rows 45..55: 11 rows
    assert nab_score_file(ts, _alarms(45), [window], 0.5).score == pytest.approx(1.0)
    assert nab_score_file(ts, _alarms(50), [window], 0.5).score == pytest.approx(_reward(5, width=11))
    with pytest.raises(ValueError, match="not one run of rows"):  # hour 49 is rows 49 and 51, not 50
        nab_score_file(ts, _alarms(50), [(ts[49], ts[49])], 0.5)


def test_scaled_sigmoid_shape():
    assert scaled_sigmoid(0.0) == 0.0 and scaled_sigmoid(-1.0) == pytest.approx(MAX_TP)
    assert scaled_sigmoid(3.0) == pytest.approx(2 / (1 + math.exp(15)) - 1) and scaled_sigmoid(3.01) == -1.0


# --- bad input -------------------------------------------------------------------------------------

def test_mismatched_inputs_are_refused_clearly():
    with pytest.raises(ValueError, match="one value per timestamp"):
        nab_score_file(TS, np.zeros(N - 1), [WINDOW], 0.5)
    with pytest.raises(ValueError, match="must be finite"):
        nab_score_file(TS, np.full(N, np.nan), [WINDOW], 0.5)
    with pytest.raises(ValueError, match="holds no row of the file"):
        nab_score_file(TS, np.zeros(N), [("2021-01-01", "2021-01-02")], 0.5)
    with pytest.raises(ValueError, match="ends .* before it starts"):
        nab_score_file(TS, np.zeros(N), [(TS[50], TS[40])], 0.5)
    with pytest.raises(ValueError, match="overlap"):
        nab_score_file(TS, np.zeros(N), [(TS[40], TS[50]), (TS[45], TS[60])], 0.5)
    with pytest.raises(ValueError, match="timestamps"):
        nab_score_file(["2020-01-01", "yesterday"], np.zeros(2), [], 0.5)
    with pytest.raises(ValueError, match=r"labels has no windows for 1 result file\(s\), e.g. \['x/typo.csv'\]"):
        nab_score({"x/typo.csv": (TS, np.zeros(N))}, {"x/one.csv": [WINDOW]})
    with pytest.raises(ValueError, match="non-empty mapping"):
        nab_score({}, {})
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        nab_score({"x/one.csv": (TS, np.zeros(N))}, {"x/one.csv": [WINDOW]}, threshold=float("nan"))


# --- readers ---------------------------------------------------------------------------------------

def _iso(t) -> str:
    return str(t.astype("datetime64[s]")).replace("T", " ")


def _write_result(path: Path, ts, scores):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["timestamp,value,anomaly_score"] + [f"{_iso(t)},1.0,{s}" for t, s in zip(ts, scores)]
    path.write_text("\n".join(lines) + "\n")


def test_readers_round_trip_nab_layout(tmp_path):
    windows = {"realX/a.csv": [[_iso(TS[40]) + ".000000", _iso(TS[49]) + ".000000"]],  # NAB's own format
               "realX/b.csv": []}
    (tmp_path / "windows.json").write_text(json.dumps(windows))
    labels = read_nab_labels(tmp_path / "windows.json")
    assert labels["realX/a.csv"] == [(TS[40].astype("datetime64[us]"), TS[49].astype("datetime64[us]"))]
    _write_result(tmp_path / "res" / "realX" / "det_a.csv", TS, _alarms(45))
    _write_result(tmp_path / "res" / "realX" / "det_b.csv", TS, _alarms(80))
    results = read_nab_results(tmp_path / "res", detector="det")
    assert sorted(results) == ["realX/a.csv", "realX/b.csv"]
    np.testing.assert_array_equal(results["realX/a.csv"].scores, _alarms(45))
    report = nab_score(results, labels, threshold=0.5)
    assert report.files["realX/a.csv"].score == pytest.approx(_reward(4))
    assert report.files["realX/b.csv"].score == pytest.approx(-0.11)


def test_readers_refuse_wrong_files(tmp_path):
    (tmp_path / "points.json").write_text(json.dumps({"realX/a.csv": ["2020-01-02 00:00:00"]}))
    with pytest.raises(ValueError, match="combined_windows.json"):
        read_nab_labels(tmp_path / "points.json")
    (tmp_path / "data.csv").write_text("timestamp,value\n2020-01-01 00:00:00,1\n")
    with pytest.raises(ValueError, match="no 'anomaly_score' column"):
        read_nab_series(tmp_path / "data.csv")
    with pytest.raises(FileNotFoundError, match="NAB results folder not found"):
        read_nab_results(tmp_path / "missing")
    (tmp_path / "profiles.json").write_text(json.dumps({"p": {"CostMatrix": {"tpWeight": 1}}}))
    with pytest.raises(ValueError, match="must have a CostMatrix with tpWeight, fpWeight"):
        read_nab_profiles(tmp_path / "profiles.json")


# --- NAB's published scores ------------------------------------------------------------------------

_HERE = Path(__file__).resolve()
_CANDIDATES = [
    _HERE.parents[2].parent / "shared" / "datasets" / "nab",  # ../shared/datasets beside the checkout
    _HERE.parents[2] / "shared" / "datasets" / "nab",  # shared/ inside the checkout
]
NAB_DIR = Path(os.environ.get("AEKIT_NAB_DIR") or next((str(p) for p in _CANDIDATES if p.is_dir()), str(_CANDIDATES[0])))
needs_nab = pytest.mark.skipif(not (NAB_DIR / "baselines" / "numenta").is_dir(),
                               reason=f"NAB files not found in {NAB_DIR} (set AEKIT_NAB_DIR)")


@pytest.fixture(scope="module")
def nab_labels():
    return read_nab_labels(NAB_DIR / "combined_windows.json")


def _published(detector: str) -> dict[str, dict[str, str]]:
    with open(NAB_DIR / "baselines" / f"{detector}_standard_scores.csv", newline="") as fh:
        return {row["File"]: row for row in csv.DictReader(fh)}


@needs_nab
def test_dataset_profiles_are_nabs():
    assert read_nab_profiles(NAB_DIR / "profiles.json") == NAB_PROFILES


# published threshold, normalised score at it (README: 66.5 and 21.9), and the sweep over these 35
# files (NAB optimised its thresholds over its full 58-file corpus, so here a slightly better one exists)
BASELINES = {
    "numenta": (66.469, 0.555458997389, 66.586),
    "windowedGaussian": (21.933, 0.999999999999, 21.971),
}


@needs_nab
@pytest.mark.slow
@pytest.mark.parametrize("detector", sorted(BASELINES))
def test_reproduces_nabs_published_scores(detector, nab_labels):
    results = read_nab_results(NAB_DIR / "baselines" / detector)
    published = _published(detector)
    assert sorted(results) == sorted(published) and len(results) == 35
    threshold = float(next(iter(published.values()))["Threshold"])
    report = nab_score(results, nab_labels, "standard", threshold=threshold)
    for name, row in published.items():
        got = report.files[name]
        assert got.score == pytest.approx(float(row["Score"]), abs=1e-9), name
        assert (got.tp, got.tn, got.fp, got.fn) == tuple(int(row[k]) for k in ("TP", "TN", "FP", "FN")), name
        with open(NAB_DIR / "baselines" / detector / name, newline="") as fh:
            rows = list(csv.DictReader(fh))
        # every row's share of the score, and the windows' rows, as NAB's own result file has them
        np.testing.assert_allclose(got.contributions, [float(r["S(t)_standard"]) for r in rows], atol=1e-9)
        assert got.tp + got.fn == sum(int(r["label"]) for r in rows[got.probation:]), name
    at_published, swept_threshold, swept_score = BASELINES[detector]
    assert report.total.null_score == -55 and report.total.perfect_score == 55
    assert report.score == pytest.approx(at_published, abs=1e-3)
    swept = nab_score(results, nab_labels, "standard")
    assert swept.threshold == swept_threshold
    assert swept.score == pytest.approx(swept_score, abs=1e-3) and swept.score >= report.score
