"""Losses: decoder likelihoods and regularisers."""

from .likelihoods import Bernoulli, Categorical, Gaussian, GaussianLearnedVariance, Likelihood, make_likelihood
from .regularisers import (
    L1Activity,
    L1Weights,
    L2Weights,
    Regulariser,
    make_regulariser,
    register_regulariser,
    regulariser_names,
)
from .sparsity import KLSparsity, kl_bernoulli  # registers "kl_sparsity"
from .adversarial import Adversarial, make_discriminator  # registers "adversarial"
from .contractive import (  # registers "contractive"
    Contractive,
    jacobian_frobenius_exact,
    jacobian_frobenius_hutchinson,
)

__all__ = [
    "Bernoulli",
    "Categorical",
    "Gaussian",
    "GaussianLearnedVariance",
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
__all__ += ["Adversarial", "make_discriminator", "Contractive", "KLSparsity", "jacobian_frobenius_exact", "jacobian_frobenius_hutchinson", "kl_bernoulli"]
