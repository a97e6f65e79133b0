"""Run folders: what ``aekit train``/``demo``/``detect`` write (model, plots, metrics, report;
:mod:`.folders`), resumable and distributed runs (:mod:`.resume`), and named training
configurations (:mod:`.presets`).
"""

from .folders import RUN_FORMAT, RUN_MARKER, detect_run, train_run, write_scores_csv
from .presets import PRESETS, list_presets, preset
from .resume import read_resume_info, train_resumable

__all__ = ["PRESETS", "RUN_FORMAT", "RUN_MARKER", "detect_run", "list_presets", "preset", "read_resume_info",
           "train_resumable", "train_run", "write_scores_csv"]
