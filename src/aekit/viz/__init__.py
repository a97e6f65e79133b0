"""Plots saved as PNG, the HTML report of a run and the latent explorer."""

from .figures import plot_confusion_matrix, plot_image_grid, plot_probe_accuracies, plot_roc_pr, plot_score_histogram
from .plots import plot_latent_scatter, plot_loss_curves, plot_reconstructions, project_2d
from .explorer import latent_plane, write_explorer
from .report import add_detector_results, add_probe_results, load_run, write_report, write_run_figures

__all__ = [
    "add_detector_results",
    "add_probe_results",
    "latent_plane",
    "load_run",
    "plot_confusion_matrix",
    "plot_image_grid",
    "plot_latent_scatter",
    "plot_loss_curves",
    "plot_probe_accuracies",
    "plot_reconstructions",
    "plot_roc_pr",
    "plot_score_histogram",
    "project_2d",
    "write_explorer",
    "write_report",
    "write_run_figures",
]

from .fields import plot_score_field, plot_tangents  # noqa: E402

__all__ += ["plot_score_field", "plot_tangents"]
