"""Small convolutional autoencoder.

aekit's ``conv`` recipe (two stride-2 3x3 convolutions with 32 and 64 channels, linear code of 32,
transposed-convolution decoder), batch 128, 1 epoch over the first 20,000 Fashion-MNIST training
images (5,000 with ``--quick``), Adam lr 1e-3; the hand loop (fused Adam) trains the same modules.
Each side in fp32 and bf16, with the default memory format and with channels_last (NHWC); aekit's
default ``TrainConfig(channels_last=None)`` means NHWC weights for conv models on the CPU.
The derived rows are channels_last time / default memory format time (below 1 = faster).
Contenders alternate, ``--repeats`` rounds, median.
"""

from __future__ import annotations

from aekit import create_model

from .harness import Context, Result, Section, Table, alternate, fmt, med
from .workloads import LATENT, aekit_fit, conv_net, count_flops, hand_loop, train_gflops


def run(ctx: Context) -> Result:
    X = ctx.data.X
    n = min(len(X), ctx.conv_samples)
    Xi = X[:n].reshape(n, 1, 28, 28).contiguous()
    flops = count_flops(create_model("conv", (1, 28, 28), latent_dim=LATENT), Xi[:64])
    out = Result(settings={"images": n, "batch": 128, "epochs": 1, "repeats": ctx.repeats,
                           "forward MFLOP per sample": f"{flops / 1e6:.2f}"})
    contenders = {
        "hand, fused Adam (fp32)": lambda: hand_loop(Xi, 128, 1, fused=True, make=conv_net),
        "hand, fused Adam, channels_last (fp32)": lambda: hand_loop(Xi, 128, 1, fused=True, make=conv_net,
                                                                    channels_last=True),
        "aekit fit (fp32)": lambda: aekit_fit(Xi, 128, 1, recipe="conv"),
        "aekit fit (fp32, channels_last=False)": lambda: aekit_fit(Xi, 128, 1, recipe="conv", channels_last=False),
        "hand, fused Adam, bf16": lambda: hand_loop(Xi, 128, 1, fused=True, bf16=True, make=conv_net),
        "hand, fused Adam, channels_last, bf16": lambda: hand_loop(Xi, 128, 1, fused=True, bf16=True,
                                                                   make=conv_net, channels_last=True),
        "aekit fit (precision=auto)": lambda: aekit_fit(Xi, 128, 1, recipe="conv", precision="auto"),
        "aekit fit (precision=auto, channels_last=False)": lambda: aekit_fit(Xi, 128, 1, recipe="conv",
                                                                             precision="auto", channels_last=False),
    }
    times = {k: med(v) for k, v in alternate(contenders, ctx.repeats).items()}
    base = times["hand, fused Adam (fp32)"]
    out.tables.append(Table(["contender", "median s", "/ hand fp32", "train GFLOP/s"],
                            [[k, fmt(t), fmt(t / base), fmt(train_gflops(flops, n, t), 0)] for k, t in times.items()]))
    out.derived = {
        "channels_last / default, hand loop, fp32": fmt(times["hand, fused Adam, channels_last (fp32)"] / base),
        "channels_last / default, hand loop, bf16": fmt(times["hand, fused Adam, channels_last, bf16"]
                                                        / times["hand, fused Adam, bf16"]),
        "channels_last (aekit default) / channels_last=False, aekit, fp32": fmt(
            times["aekit fit (fp32)"] / times["aekit fit (fp32, channels_last=False)"]),
        "channels_last (aekit default) / channels_last=False, aekit, precision=auto": fmt(
            times["aekit fit (precision=auto)"] / times["aekit fit (precision=auto, channels_last=False)"]),
    }
    out.data = times
    return out


SECTION = Section("conv", "Small convolutional autoencoder", run)
