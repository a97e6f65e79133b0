"""Training loop: aekit against a hand-written loop.

MLP autoencoder 784-512-256-32 (mirrored decoder, ReLU, linear code and output), Adam lr 1e-3,
``--epochs`` epoch(s) over the Fashion-MNIST training rows (10,000 with ``--quick``), no validation
split, no early stopping, no gradient clipping (the hand loop has none), batch 128 and 512.

- 'hand' is the minimal loop of issue #8 (randperm, slicing an in-memory tensor,
  ``torch.optim.Adam()`` with its defaults, ``F.mse_loss``); 'hand, fused Adam' is the same loop
  with ``Adam(fused=True)``, which aekit uses by default; 'bf16 autocast' adds
  ``torch.autocast("cpu", torch.bfloat16)``.
- 'aekit fit' is ``aekit.fit`` with ``TrainConfig`` at the same settings; one row keeps aekit's
  default gradient-norm guard (``grad_clip=1000``); 'precision=auto' is bf16 autocast on CPUs with
  AMX or AVX512-BF16.
- aekit's loss is half the summed squared error per sample (its Gaussian likelihood); with Adam the
  scale of the loss barely matters.

A training step counts 3x the forward FLOPs; '% of peak' divides by the peak section's matmul
throughput of the same dtype ('-' when that section did not run). Contenders alternate,
``--repeats`` rounds, median.
"""

from __future__ import annotations

from aekit import create_model

from .harness import Context, Goal, Result, Section, Table, alternate, fmt, med
from .workloads import HIDDEN, LATENT, aekit_fit, count_flops, hand_loop, train_gflops


def run(ctx: Context) -> Result:
    X = ctx.data.X
    n, epochs, peaks = len(X), ctx.epochs, ctx.earlier("peak")
    model = create_model("deep", (784,), latent_dim=LATENT, hidden_dims=HIDDEN)
    flops = count_flops(model, X[:64])
    out = Result(settings={"rows": n, "epochs": epochs, "repeats": ctx.repeats,
                           "forward MFLOP per sample": f"{flops / 1e6:.2f}"})
    results = {}
    rows = []
    for bs in (128, 512):
        contenders = {
            "hand (minimal, Adam default)": lambda: hand_loop(X, bs, epochs),
            "hand, fused Adam": lambda: hand_loop(X, bs, epochs, fused=True),
            "aekit fit (fp32)": lambda: aekit_fit(X, bs, epochs),
            "aekit fit (fp32, default grad_clip=1000)": lambda: aekit_fit(X, bs, epochs, grad_clip=1000.0),
            "hand, fused Adam, bf16 autocast": lambda: hand_loop(X, bs, epochs, fused=True, bf16=True),
            "aekit fit (precision=auto)": lambda: aekit_fit(X, bs, epochs, precision="auto"),
        }
        times = alternate(contenders, ctx.repeats)
        base = med(times["hand (minimal, Adam default)"])
        fused = med(times["hand, fused Adam"])
        for name, ts in times.items():
            t = med(ts)
            peak = peaks.get("bf16" if ("bf16" in name or "auto" in name) else "fp32")
            gf = train_gflops(flops, n * epochs, t)
            rows.append([bs, name, fmt(t), fmt(t / base), fmt(t / fused), fmt(gf, 0),
                         f"{100 * gf / peak:.0f}%" if peak else "-"])
        results[bs] = {k: med(v) for k, v in times.items()}
    out.data = {"times": results, "rows": n}
    out.tables.append(Table(["batch", "contender", "median s", "/ hand", "/ hand fused", "train GFLOP/s",
                             "% of peak"], rows))
    for bs in (128, 512):
        r = results[bs]  # like with like: aekit's Adam is fused, so the reference's is too
        out.goals.append(Goal.compare(f"aekit / hand loop, both with fused Adam (fp32, batch {bs})",
                                      r["aekit fit (fp32)"] / r["hand, fused Adam"], "<=", 1.05))
    for bs in (128, 512):
        r = results[bs]
        out.goals.append(Goal.compare(f"bf16 (auto) speed-up over fp32 (aekit, batch {bs})",
                                      r["aekit fit (fp32)"] / r["aekit fit (precision=auto)"], ">=", 1.5, unit="x"))
    return out


SECTION = Section("loop", "Training loop: aekit vs a hand-written loop", run)
