"""Losses: decoder likelihoods and regularisers."""

from .likelihoods import Bernoulli, Categorical, Gaussian, Likelihood, make_likelihood
from .regularisers import (
    L1Activity,
    L1Weights,
    L2Weights,
    Regulariser,
    make_regulariser,
    register_regulariser,
    regulariser_names,
)

__all__ = [
    "Bernoulli",
    "Categorical",
    "Gaussian",
    "L1Activity",
    "L1Weights",
    "L2Weights",
    "Likelihood",
    "Regulariser",
    "make_likelihood",
    "make_regulariser",
    "register_regulariser",
    "regulariser_names",
]
