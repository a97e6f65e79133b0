"""The run folder of ``aekit word2vec`` and ``aekit masked-lm``: the text model in ``model/``, its
loss by epoch, the held-out evaluation (masked-lm) and the nearest neighbours of a few words, with a
report like every other command that trains."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import Any

from .._files import atomic_folder
from ..training.history import History
from .folders import RUN_FORMAT, RUN_MARKER, finish_run, write_history, write_run_info

__all__ = ["NEIGHBOURS_FILE", "text_run"]

NEIGHBOURS_FILE = "neighbours.json"


def text_run(
    estimator,
    corpus: str,
    out: str | os.PathLike,
    *,
    kind: str,
    probes=None,
    k: int = 5,
    overwrite: bool = False,
    report: bool = True,
) -> dict[str, Any]:
    """Fit ``estimator`` (:class:`aekit.Word2Vec` or :class:`aekit.MaskedTokenModel`) on
    ``corpus`` and write the run folder ``out``; return its summary.

    ``kind`` names the command (``"word2vec"``, ``"masked-lm"``); ``probes(estimator)`` returns the
    words whose ``k`` nearest neighbours the report lists. :func:`aekit.load` reads ``out`` (or
    ``out/model``) back.
    """
    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="output") as tmp:
        start = time.perf_counter()
        estimator.fit(corpus)
        seconds = time.perf_counter() - start
        estimator.save(tmp / "model")
        curve = list(estimator.loss_curve_)
        write_history(tmp, History([{"epoch": i + 1, "train_total": float(v)} for i, v in enumerate(curve)]))
        evaluation = getattr(estimator, "evaluation_", None) or {}
        summary = {
            "kind": kind, "data": str(corpus), "recipe": kind, "vocabulary": len(estimator.vocabulary_),
            "epochs_trained": len(curve), "train_total": curve[-1] if curve else None,
            "fit_seconds": round(seconds, 3),
            **{key: value for key, value in evaluation.items() if isinstance(value, (int, float))},
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        words: Sequence[str] = list(probes(estimator)) if probes is not None else []
        neighbours = {w: [[n, float(s)] for n, s in estimator.most_similar(w, k)] for w in words
                      if w in estimator.vocabulary_}
        (tmp / NEIGHBOURS_FILE).write_text(json.dumps(neighbours, indent=2))
        write_run_info(tmp, estimator.get_params())
        finish_run(tmp, out, report=report)
    return summary
