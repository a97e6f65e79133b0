"""Test NLL of VAEs on dynamically binarized Fashion-MNIST: aekit vs pythae, same networks.

For each architecture (MLP, conv) one network pair (encoder emitting [mu, logvar], decoder emitting
Bernoulli logits) is built by aekit; pythae's VAE gets deep copies of the *same initial weights*
wrapped in its BaseEncoder/BaseDecoder (sigmoid output, its "bce" loss). Both train for the same
epochs, batch size, Adam and learning rate on training images re-binarized every time they are drawn
(x ~ Bernoulli(grey level)). Both trained networks are then scored with the same estimator,
aekit.evaluation.iwae_bound with k importance samples, on a fixed binarization of the test set.

Run in an environment with pythae (a separate venv, see docs/results/vae.md):

    python benchmarks/vae_nll.py --archs mlp --epochs 50 --n-train 60000 --n-test 10000 --k 1000 --threads 1

(the issue #19 MLP run: 21-28 minutes on a shared 2-core machine). Prints a markdown table, then the NLL difference
of the frameworks paired over the same test images. ``--frameworks aekit`` skips pythae.
"""

from __future__ import annotations

import argparse
import copy
import logging
import platform
import tempfile
import time

import numpy as np
import torch
from torch.utils.data import Dataset

from aekit import TrainConfig, create_model, fit
from aekit.data import load_fashion_mnist
from aekit.evaluation import iwae_bound


class Binarized(Dataset):
    """Grey images in [0, 1]; every draw is a fresh Bernoulli sample (dynamic binarization)."""

    def __init__(self, grey: torch.Tensor) -> None:
        self.grey = grey

    def __len__(self) -> int:
        return len(self.grey)

    def __getitem__(self, i):
        return torch.bernoulli(self.grey[i])

    def __getitems__(self, idx):  # a whole batch in one call
        return list(torch.bernoulli(self.grey[idx]))  # rows; the DataLoader stacks them


def load(n_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    train = torch.from_numpy(load_fashion_mnist("train").X[:n_train].astype(np.float32))
    test = torch.from_numpy(load_fashion_mnist("test").X[:n_test].astype(np.float32))
    if train.max() > 1:
        train, test = train / 255.0, test / 255.0
    train, test = train.reshape(-1, 1, 28, 28), test.reshape(-1, 1, 28, 28)
    return train, torch.bernoulli(test, generator=g)


def build(arch: str, latent_dim: int):
    if arch == "mlp":
        return create_model("vae", (1, 28, 28), latent_dim=latent_dim, likelihood="bernoulli",
                            architecture="mlp", hidden_dims=[512, 256])
    return create_model("vae", (1, 28, 28), latent_dim=latent_dim, likelihood="bernoulli",
                        architecture="conv", channels=[32, 64])


def train_aekit(model, train, args) -> float:
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, validation_split=0.0,
                         early_stopping=None, restore_best=False, device="cpu", progress=False, seed=args.seed)
    start = time.perf_counter()
    fit(model, Binarized(train), config)
    return time.perf_counter() - start


def train_pythae(model, train, args) -> float:
    """Train copies of ``model``'s networks with pythae's VAE and trainer; write them back."""
    from pythae.data.datasets import BaseDataset, DatasetOutput
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.trainers import BaseTrainer, BaseTrainerConfig

    logging.getLogger("pythae").setLevel(logging.ERROR)
    d = model.latent_dim

    class Encoder(BaseEncoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            h = self.net(x)
            return ModelOutput(embedding=h[:, :d], log_covariance=h[:, d:])

    class Decoder(BaseDecoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, z):
            return ModelOutput(reconstruction=torch.sigmoid(self.net(z)))

    class BinarizedPythae(BaseDataset):
        def __getitem__(self, index):
            return DatasetOutput(data=torch.bernoulli(self.data[index]))

    vae = VAE(VAEConfig(input_dim=(1, 28, 28), latent_dim=d, reconstruction_loss="bce"),
              encoder=Encoder(model.encoder), decoder=Decoder(model.decoder))
    with tempfile.TemporaryDirectory() as out:
        config = BaseTrainerConfig(output_dir=out, num_epochs=args.epochs, per_device_train_batch_size=args.batch_size,
                                   learning_rate=args.lr, optimizer_cls="Adam", no_cuda=True, seed=args.seed)
        trainer = BaseTrainer(vae, BinarizedPythae(train, torch.zeros(len(train))), training_config=config)
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    model.encoder.load_state_dict(trainer.model.encoder.net.state_dict())  # the trained weights, back
    model.decoder.load_state_dict(trainer.model.decoder.net.state_dict())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the test NLL")
    parser.add_argument("--archs", default="mlp,conv")
    parser.add_argument("--frameworks", default="aekit,pythae")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load(args.n_train, args.n_test, args.seed)

    rows = []
    bounds = {}  # (arch, framework) -> per-test-image IWAE bound, for the paired comparison
    for arch in args.archs.split(","):
        torch.manual_seed(args.seed)
        initial = build(arch, args.latent_dim)  # both frameworks start from these weights
        # Untimed warm-up: the first training call in a process pays one-off start-up costs.
        short = argparse.Namespace(**{**vars(args), "epochs": 1})
        for framework in args.frameworks.split(","):
            (train_aekit if framework == "aekit" else train_pythae)(copy.deepcopy(initial), train[:500], short)
        for framework in args.frameworks.split(","):
            model = copy.deepcopy(initial)
            seconds = (train_aekit if framework == "aekit" else train_pythae)(model, train, args)
            model.eval()
            start = time.perf_counter()
            bound = iwae_bound(model, test, k=args.k, batch_size=50, chunk_size=25000, seed=args.seed)
            elbo1 = iwae_bound(model, test, k=1, seed=args.seed + 1)
            eval_s = time.perf_counter() - start
            bounds[arch, framework] = bound
            n_params = sum(p.numel() for p in model.parameters())
            rows.append((arch, framework, n_params, seconds, -elbo1.mean().item(), -bound.mean().item(),
                         bound.std().item() / len(bound) ** 0.5, eval_s))
            print(f"# {arch} {framework}: train {seconds:.1f}s, NLL {-bound.mean().item():.2f}", flush=True)

    print(f"\nFashion-MNIST, dynamically binarized; {args.n_train} train / {args.n_test} test images; "
          f"{args.epochs} epochs, batch {args.batch_size}, Adam lr {args.lr}, latent {args.latent_dim}; "
          f"{args.threads} CPU threads; {platform.processor() or platform.machine()}; torch {torch.__version__}\n")
    print(f"| arch | framework | params | train s | test -ELBO (k=1) | test NLL (k={args.k}) | ± s.e. | eval s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for arch, fw, n, s, e1, nll, se, ev in rows:
        print(f"| {arch} | {fw} | {n:,} | {s:.1f} | {e1:.2f} | {nll:.2f} | {se:.2f} | {ev:.1f} |")
    print_paired(bounds, args.frameworks.split(","))


def print_paired(bounds: dict, frameworks: list[str]) -> None:
    """NLL difference of the first framework minus each other one, paired over the same test images.

    The per-framework s.e. above mixes in how hard each image is; both networks see the same images,
    so the per-image difference has a far smaller spread: the error bar for "which trained network is
    better on this test set". It does not cover training randomness; rerun with another --seed for that.
    """
    first, others = frameworks[0], frameworks[1:]
    for arch in dict.fromkeys(a for a, _ in bounds):
        for other in others:
            diff = bounds[arch, other] - bounds[arch, first]  # NLL(first) - NLL(other): minus bounds
            se = diff.std().item() / len(diff) ** 0.5
            print(f"{arch}: NLL {first} - {other} = {diff.mean().item():+.3f} nats ± {se:.3f} (paired s.e. over "
                  f"{len(diff)} test images; negative means {first} is better)")


if __name__ == "__main__":
    main()
