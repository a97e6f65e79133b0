"""Adding a part takes one file and one registration, and the part is then everywhere: the Python
API, the estimators and the CLI (docs/architecture.md, "Adding a part"). Each test below is that
one file; the registration is the decorator (removed again at the end of the test)."""

import numpy as np
import torch
from click.testing import CliRunner

import aekit
from aekit.cli import main
from aekit.models.autoencoder import LossOutput
from aekit.objectives.likelihoods import LIKELIHOODS, Likelihood
from aekit.ssl.base import METHODS, SSLMethod, register_method


def test_a_new_likelihood():
    class Laplace(Likelihood):
        """Laplace decoder: absolute error (robust to outlying pixels)."""

        name = "laplace"

        def element_loss(self, params, x):
            return (params - x).abs()

        def nll(self, params, x):
            return self.element_loss(params, x).flatten(1).sum(1)

        def mean(self, params):
            return params

    with LIKELIHOODS.temporary("laplace", Laplace):
        model = aekit.create_model("deep", (6,), latent_dim=2, likelihood="laplace")
        assert isinstance(model.likelihood, Laplace)
        est = aekit.Autoencoder(likelihood="laplace", latent_dim=2, epochs=2, random_state=0).fit(
            np.random.default_rng(0).normal(size=(64, 6)))
        assert est.model_.likelihood.name == "laplace"
        assert "laplace" in CliRunner().invoke(main, ["train", "--help"], terminal_width=300).output


def test_a_new_ssl_method(tmp_path):
    @register_method("noise-invariance")
    class NoiseInvariance(SSLMethod):
        """Two noisy views of a row should get the same features."""

        def loss(self, x):
            a, b = self.encode(x + 0.1 * torch.randn_like(x)), self.encode(x + 0.1 * torch.randn_like(x))
            return self._output(noise_invariance=(a - b).pow(2).mean() + (1 - a.std(0)).clamp(min=0).mean())

    try:
        X = np.random.default_rng(0).normal(size=(64, 5)).astype(np.float32)
        est = aekit.SelfSupervised("noise-invariance", epochs=2, random_state=0).fit(X)
        assert est.transform(X).shape[0] == 64
        assert isinstance(METHODS["noise-invariance"](input_shape=(5,)).loss(torch.rand(4, 5)), LossOutput)
        np.save(tmp_path / "x.npy", X)
        result = CliRunner().invoke(main, ["pretrain", str(tmp_path / "x.npy"), "--method", "noise-invariance",
                                           "--epochs", "1", "--out", str(tmp_path / "run")])
        assert result.exit_code == 0, result.output
    finally:
        METHODS.unregister("noise-invariance")


def test_a_new_cli_command():
    @main.command("hello")
    def hello() -> None:
        """Say hello."""
        print("hello from a plugin")

    try:
        assert "hello" in CliRunner().invoke(main, ["--help"]).output
        assert CliRunner().invoke(main, ["hello"]).output == "hello from a plugin\n"
    finally:
        del main.commands["hello"]
