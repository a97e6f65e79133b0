"""torch.compile.

``TrainConfig(compile=True)`` compiles the training loss (forward + loss). Steps of the
``fashion-mnist-fast`` MLP (batch 256 of the training rows, SiLU, fused Adam), without and with its
PCA front end (initialised from the first 10,000 rows), eager and compiled, alternating in blocks
of 30 steps, max(3, ``--repeats``) rounds, median ms per step. 'compile s' is the first compiled
step of each model in this process (compilation included).
"""

from __future__ import annotations

import time

import torch

import aekit

from .harness import Context, Result, Section, Table, fmt, med, uptime


def run(ctx: Context) -> Result:
    from aekit import create_model

    X = ctx.data.X
    xb = X[:256].contiguous()
    preset = aekit.preset("fashion-mnist-fast")
    rows, out = [], {}
    for label, pca in (("784-512-256-32", None), (f"same, input_pca={preset['recipe_options'].get('input_pca')}",
                                                   preset["recipe_options"].get("input_pca"))):
        options = dict(latent_dim=32, hidden_dims=list(preset["hidden_dims"]), activation="silu")
        if pca:
            options["input_pca"] = pca
        torch.manual_seed(0)
        model = create_model("deep", (784,), **options)
        if pca:
            model.encoder[0].init_from_data(X[:10000])
        opt = torch.optim.Adam(model.parameters(), 1e-3, fused=True)
        start = time.perf_counter()
        compiled = torch.compile(model.loss)
        compiled(xb).total.backward()
        compile_s = time.perf_counter() - start

        def steps(fn, n=30):
            t = time.perf_counter()
            for _ in range(n):
                out_ = fn(xb)
                opt.zero_grad()
                out_.total.backward()
                opt.step()
            return (time.perf_counter() - t) / n * 1e3

        eager, comp = [], []
        for _ in range(max(3, ctx.repeats)):
            eager.append(steps(model.loss))
            comp.append(steps(compiled))
        out[label] = (med(eager), med(comp), compile_s)
        rows.append([label, fmt(med(eager), 2), fmt(med(comp), 2), f"{med(eager) / med(comp):.2f}x", fmt(compile_s, 1)])
    return Result(settings={"batch": 256, "steps per block": 30, "rounds": max(3, ctx.repeats)},
                  tables=[Table(["model", "eager ms/step", "compiled ms/step", "speed-up", "compile s"], rows)],
                  derived={"load": f"`{uptime()}`"}, data=out)


SECTION = Section("compile", "torch.compile", run)
