"""Plots saved as PNG."""

from .plots import plot_latent_scatter, plot_loss_curves, plot_reconstructions, project_2d

__all__ = ["plot_latent_scatter", "plot_loss_curves", "plot_reconstructions", "project_2d"]
