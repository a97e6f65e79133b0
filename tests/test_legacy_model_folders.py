"""Model folders written by older aekit still load, and give the outputs they gave then.

The fixtures under ``tests/fixtures/model_folders/`` are committed: ``b6df935/<kind>/`` were
written by commit b6df935 (aekit 0.1.0), ``current/<kind>/`` by the current code for layouts
introduced since (the format-2 ``AnomalyDetector``). Each folder holds ``expected.npz``: the
inputs and the outputs of the code that wrote it. ``make_fixtures.py`` beside them says how they
were made; never regenerate the b6df935 set with newer code.

``AnomalyDetector`` folders from before aekit 0.2.0 are refused on purpose (the detector became
one batched network plus a k-NN component, which scores differently), with a message naming the
version that wrote them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit.io import ModelFolderError

FIXTURES = Path(__file__).parent / "fixtures" / "model_folders"
LEGACY = FIXTURES / "b6df935"
CURRENT = FIXTURES / "current"
TOL = {"rtol": 1e-5, "atol": 1e-6}


def _expected(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "expected.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _close(actual, expected, what: str) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected.astype(np.float64), **TOL,
                               err_msg=what)


def _equal(actual, expected, what: str) -> None:
    np.testing.assert_array_equal(np.asarray(actual), expected, err_msg=what)


# -- per kind: load with the current class, recompute every stored output -----------------------

def _check_autoencoder(cls, folder: Path, exp: dict) -> None:
    est = cls.load(folder)
    X = exp["X"]
    _close(est.transform(X), exp["transform"], "transform")
    _close(est.inverse_transform(exp["transform"]), exp["inverse_transform"], "inverse_transform")
    _close(est.reconstruct(X), exp["reconstruct"], "reconstruct")
    _close(est.score_samples(X), exp["score_samples"], "score_samples")
    if "score" in exp:
        _close(est.score(X), exp["score"], "score")


def _check_timeseries(folder: Path, exp: dict) -> None:
    det = aekit.TimeSeriesAnomalyDetector.load(folder)
    X = exp["X"]
    _close(det.threshold_, exp["threshold_"], "threshold_")
    _close(det.decision_function(X), exp["decision_function"], "decision_function")
    _close(det.window_scores(X), exp["window_scores"], "window_scores")
    _equal(det.predict(X), exp["predict"], "predict")


def _check_self_supervised(folder: Path, exp: dict) -> None:
    est = aekit.SelfSupervised.load(folder)
    _close(est.transform(exp["X"]), exp["transform"], "transform")


def _check_pretrained(folder: Path, exp: dict) -> None:
    clf = aekit.PretrainedClassifier.load(folder)
    X = exp["X"]
    _equal(clf.classes_, exp["classes_"], "classes_")
    _close(clf.predict_proba(X), exp["predict_proba"], "predict_proba")
    _equal(clf.predict(X), exp["predict"], "predict")


def _check_text(cls, folder: Path, exp: dict):
    est = cls.load(folder)
    _equal(list(est.vocabulary_.words), exp["vocabulary"], "vocabulary")
    _close(est.vectors, exp["vectors"], "vectors")
    for word in exp["words"]:
        pairs = est.most_similar(str(word), k=3)
        _equal([w for w, _ in pairs], exp[f"most_similar_{word}_words"], f"most_similar({word!r}) words")
        _close([c for _, c in pairs], exp[f"most_similar_{word}_cosines"], f"most_similar({word!r}) cosines")
    _close(est.similarity("cat", "dog"), exp["similarity_cat_dog"], "similarity")
    return est


def _check_masked_token(folder: Path, exp: dict) -> None:
    mlm = _check_text(aekit.MaskedTokenModel, folder, exp)
    for key in (k for k in exp if k.startswith("evaluation_")):
        _close(mlm.evaluation_[key[len("evaluation_"):]], exp[key], key)
    scores = mlm.evaluate([str(t) for t in exp["evaluate_text"]])
    for key in (k for k in exp if k.startswith("evaluate_") and k != "evaluate_text"):
        _close(scores[key[len("evaluate_"):]], exp[key], key)
    ids = torch.as_tensor(exp["token_ids"])
    with torch.no_grad():
        _close(mlm.model_(ids).numpy(), exp["contextual"], "model_(ids)")
        _close(mlm.model_.logits(ids).numpy(), exp["logits"], "model_.logits(ids)")


def _table(numbers: np.ndarray, text: np.ndarray) -> np.ndarray:
    table = np.empty((len(numbers), numbers.shape[1] + 1), dtype=object)
    table[:, :-1] = numbers
    table[:, -1] = text.astype(object)
    return table


def _check_current_detector(folder: Path, exp: dict) -> None:
    det = aekit.AnomalyDetector.load(folder)
    X = exp["X"] if "X" in exp else _table(exp["X_numbers"], exp["X_text"])
    _close(det.threshold_, exp["threshold_"], "threshold_")
    _close(det.decision_function(X), exp["decision_function"], "decision_function")
    _close(det.score_samples(X), exp["score_samples"], "score_samples")
    _close(det.predict_proba(X), exp["predict_proba"], "predict_proba")
    _equal(det.predict(X), exp["predict"], "predict")
    _close(det.feature_contributions(X), exp["feature_contributions"], "feature_contributions")


LEGACY_CHECKS = {
    "autoencoder_deep": lambda f, e: _check_autoencoder(aekit.Autoencoder, f, e),
    "autoencoder_conv": lambda f, e: _check_autoencoder(aekit.Autoencoder, f, e),
    "variational_autoencoder": lambda f, e: _check_autoencoder(aekit.VariationalAutoencoder, f, e),
    "timeseries_anomaly_detector": _check_timeseries,
    "self_supervised_rotation": _check_self_supervised,
    "self_supervised_masked_features": _check_self_supervised,
    "pretrained_classifier": _check_pretrained,
    "word2vec": lambda f, e: _check_text(aekit.Word2Vec, f, e),
    "masked_token_model": _check_masked_token,
}
CURRENT_CHECKS = {
    "anomaly_detector": _check_current_detector,
    "anomaly_detector_table": _check_current_detector,
}


def test_every_fixture_folder_is_checked():
    """A fixture folder added without a check (or a check whose folder is gone) fails here."""
    assert sorted(p.name for p in LEGACY.iterdir() if p.is_dir()) == sorted([*LEGACY_CHECKS, "anomaly_detector"])
    assert sorted(p.name for p in CURRENT.iterdir() if p.is_dir()) == sorted(CURRENT_CHECKS)


@pytest.mark.parametrize("kind", sorted(LEGACY_CHECKS))
def test_b6df935_folder_loads_and_reproduces_outputs(kind):
    folder = LEGACY / kind
    LEGACY_CHECKS[kind](folder, _expected(folder))


@pytest.mark.parametrize("kind", sorted(CURRENT_CHECKS))
def test_current_layout_folder_loads_and_reproduces_outputs(kind):
    folder = CURRENT / kind
    CURRENT_CHECKS[kind](folder, _expected(folder))


def test_b6df935_anomaly_detector_is_refused_with_its_version():
    folder = LEGACY / "anomaly_detector"
    assert (folder / "expected.npz").is_file()  # what 0.1.0 scored, kept for the record
    with pytest.raises(ModelFolderError, match="written by aekit 0.1.0"):
        aekit.AnomalyDetector.load(folder)


def test_an_old_series_detector_saved_again_keeps_its_scores(tmp_path):
    """A 0.1 folder has no score memory: the scaling it carried is saved as it is."""
    old = aekit.TimeSeriesAnomalyDetector.load(LEGACY / "timeseries_anomaly_detector")
    old.save(tmp_path / "again")
    again = aekit.TimeSeriesAnomalyDetector.load(tmp_path / "again")
    series = _expected(LEGACY / "timeseries_anomaly_detector")["X"]
    np.testing.assert_array_equal(again.decision_function(series), old.decision_function(series))
    assert again.threshold_ == old.threshold_


@pytest.mark.parametrize("folder", sorted(f for base in (LEGACY, CURRENT) for f in base.iterdir() if f.is_dir()),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_aekit_load_and_info_read_every_kind_of_folder(folder):
    from click.testing import CliRunner

    from aekit.cli import main

    result = CliRunner().invoke(main, ["info", str(folder)])
    if folder.name == "anomaly_detector" and folder.parent == LEGACY:  # refused by design (aekit 0.2 layout)
        assert result.exit_code == 2 and "written by aekit 0.1.0" in result.output
        return
    est = aekit.load(folder)
    assert result.exit_code == 0, result.output
    kind = type(est).__name__
    assert f"estimator:     {kind}" in result.output and "parameters:" in result.output
    assert aekit.describe(est)["estimator"] == kind
