"""Feed aekit broken and hostile inputs; print a table of what was tried and what happened.

Every case must end in one of two ways: a one-line error of a documented type (ValueError,
TypeError, FileNotFoundError, FileExistsError, ModelFolderError, TrainingDivergedError; exit
status 2 for the CLI), or acceptance where acceptance is right (e.g. mixed image sizes with an
explicit ``image_size``). A traceback, another exception type, a multi-line message, an executed
pickle, or a changed user file counts as a failure. tests/test_hostile_inputs.py runs the same
cases.

    python benchmarks/hostile_inputs.py            # prints the markdown table
"""

from __future__ import annotations

import gzip
import json
import pickle
import struct
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

CLEAN_ERRORS = ("ValueError", "TypeError", "FileNotFoundError", "FileExistsError", "ModelFolderError",
                "TrainingDivergedError", "KeyError", "UsageError", "SystemExit(2)")


@dataclass
class Case:
    kind: str
    what: str
    run: Callable[[Path], object]
    accept: bool = False  # True where loading must succeed
    expect: str = ""  # text the error must contain (its type or cause), when it matters which error


class Boom:
    """Unpickling this writes PWNED: evidence that a pickle was executed."""

    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def _idx(shape, dtype_code=0x08, data=None) -> bytes:
    header = struct.pack(">BBBB", 0, 0, dtype_code, len(shape)) + b"".join(struct.pack(">I", s) for s in shape)
    return header + (bytes(int(np.prod(shape))) if data is None else data)


def _write(tmp: Path, name: str, content: bytes) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _png(path: Path, size=(8, 8), mode="L") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color=128 if mode == "L" else (10, 20, 30)).save(path)
    return path


def _cli(args: list[str]):
    """Run the CLI; SystemExit(2) with one line 'aekit: error: ...' (or click usage) is clean."""
    from click.testing import CliRunner

    from aekit.cli import main

    result = CliRunner().invoke(main, args)
    if result.exit_code == 0:
        return "exit 0"
    errors = [ln for ln in result.output.splitlines() if ln.startswith(("aekit: error:", "Error:"))]
    clean_exit = result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 2 and clean_exit and "Traceback" not in result.output and len(errors) == 1:
        raise CliError(errors[0])
    raise RuntimeError(f"CLI exit {result.exit_code}: {result.output[-300:]!r} {result.exception!r}")


class CliError(Exception):
    """A clean CLI failure (exit status 2, one line)."""


def _saved_model(tmp: Path, name: str = "m") -> Path:
    from aekit import create_model, save_model

    return save_model(create_model("deep", (6,), latent_dim=2, hidden_dims=[4]), tmp / name)


def _estimator(**kw):
    from aekit import Autoencoder

    return Autoencoder(**{"latent_dim": 2, "epochs": 1, "hidden_dims": [4], "random_state": 0, **kw})


def _fitted(tmp: Path):
    return _estimator().fit(np.random.default_rng(0).random((20, 6)))


def cases() -> list[Case]:
    from aekit import TrainConfig, create_model, fit, load_model
    from aekit.data import ArrayStream, load_data
    from aekit.training.checkpoint import load_checkpoint

    good = np.random.default_rng(0).random((20, 6))
    nan, inf = good.copy(), good.copy()
    nan[3, 2], inf[5, 1] = np.nan, np.inf

    def with_nan_file(tmp, suffix):
        if suffix == ".csv":
            return _write(tmp, "nan.csv", b"a,b\n1,2\nnan,3\n")
        path = tmp / f"nan{suffix}"
        np.save(path, nan) if suffix == ".npy" else np.savez(path, X=nan)
        return path

    def with_six(tmp):  # a clean CSV with the 6 features the fitted models expect
        np.savetxt(tmp / "six.csv", good, delimiter=",")
        return tmp / "six.csv"

    L: list[Case] = []
    add = lambda kind, what, run, accept=False, expect="": L.append(Case(kind, what, run, accept, expect))  # noqa: E731

    # -- NaN / inf ------------------------------------------------------------------------------
    add("NaN/inf values", "Autoencoder.fit on X with a NaN", lambda t: _estimator().fit(nan))
    add("NaN/inf values", "Autoencoder.fit on X with +inf", lambda t: _estimator().fit(inf))
    add("NaN/inf values", "aekit.fit on a tensor with NaN",
        lambda t: fit(create_model("deep", (6,), latent_dim=2), torch.from_numpy(nan), TrainConfig(epochs=1, progress=False)))
    add("NaN/inf values", "transform of X with inf after a clean fit", lambda t: _fitted(t).transform(inf))
    for suffix in (".csv", ".npy", ".npz"):
        add("NaN/inf values", f"load_data of a {suffix} holding NaN", lambda t, s=suffix: load_data(with_nan_file(t, s)))
    add("NaN/inf values", "streaming a .npy holding NaN",
        lambda t: ArrayStream(with_nan_file(t, ".npy")).feature_stats())
    add("NaN/inf values", "training that diverges (lr=1e6, SGD)",
        lambda t: _estimator(lr=1e6, optimizer="sgd", grad_clip=None, preprocessing="none", epochs=3).fit(good * 1e3),
        expect="TrainingDivergedError")

    # -- wrong shapes and dtypes ----------------------------------------------------------------
    add("wrong shape/dtype", "1-D X", lambda t: _estimator().fit(good[0]))
    add("wrong shape/dtype", "X with 0 rows", lambda t: _estimator().fit(good[:0]))
    add("wrong shape/dtype", "X of strings", lambda t: _estimator().fit(np.array([["a", "b"], ["c", "d"]])))
    add("wrong shape/dtype", "complex X", lambda t: _estimator().fit(good.astype(complex)))
    add("wrong shape/dtype", "object X holding dicts", lambda t: _estimator().fit(np.array([[{}], [{}]], dtype=object)))
    add("wrong shape/dtype", "transform with 5 features after fitting 6", lambda t: _fitted(t).transform(good[:, :5]))
    add("wrong shape/dtype", "inverse_transform with 3 code columns (latent 2)",
        lambda t: _fitted(t).inverse_transform(np.zeros((2, 3))))
    add("wrong shape/dtype", "conv recipe on 5 features (not a square)", lambda t: _estimator(recipe="conv").fit(good[:, :5]))
    add("wrong shape/dtype", "aekit.fit of a list of strings",
        lambda t: fit(create_model("deep", (2,), latent_dim=1), ["a", "b"], TrainConfig(epochs=1, progress=False)))
    add("wrong shape/dtype", "model for 6 features fed 5", lambda t: fit(
        create_model("deep", (6,), latent_dim=2), good[:, :5], TrainConfig(epochs=1, progress=False)))

    # -- empty files ----------------------------------------------------------------------------
    for name in ("empty.csv", "empty.npy", "empty.npz", "train-images-idx3-ubyte", "empty.idx"):
        add("empty file", name, lambda t, n=name: load_data(_write(t, n, b"")))
    add("empty file", "folder with no images", lambda t: load_data((t / "noimgs").mkdir() or t / "noimgs"))
    add("empty file", "0-byte .png among images",
        lambda t: (_png(t / "im0" / "a.png"), _write(t, "im0/b.png", b""), load_data(t / "im0")))
    add("empty file", "CSV with a header only", lambda t: load_data(_write(t, "h.csv", b"a,b,c\n")))

    # -- truncated or corrupt files -------------------------------------------------------------
    add("truncated/corrupt file", "IDX cut short", lambda t: load_data(_write(t, "a-idx3-ubyte", _idx((10, 4, 4))[:-30])))
    add("truncated/corrupt file", "IDX bad magic", lambda t: load_data(_write(t, "b-idx3-ubyte", b"\x01\x02" + _idx((2, 2))[2:])))
    add("truncated/corrupt file", "IDX unknown type code", lambda t: load_data(_write(t, "c-idx3-ubyte", _idx((2, 2), 0x42))))
    add("truncated/corrupt file", "gzip IDX cut short",
        lambda t: load_data(_write(t, "d-idx3-ubyte.gz", gzip.compress(_idx((10, 4, 4)))[:-20])))
    add("truncated/corrupt file", "IDX header promising 2^32 samples",
        lambda t: load_data(_write(t, "e-idx3-ubyte", _idx((2, 2))[:4] + struct.pack(">II", 2**32 - 1, 2))))
    add("truncated/corrupt file", ".npz cut short", lambda t: load_data(_write(
        t, "t.npz", (np.savez(t / "full.npz", X=good), (t / "full.npz").read_bytes()[:-40])[1])))
    add("truncated/corrupt file", ".npz that is text", lambda t: load_data(_write(t, "x.npz", b"hello")))
    add("truncated/corrupt file", ".npy cut short", lambda t: load_data(_write(
        t, "t.npy", (np.save(t / "full.npy", good), (t / "full.npy").read_bytes()[:-40])[1])))
    add("truncated/corrupt file", "CSV with ragged rows", lambda t: load_data(_write(t, "r.csv", b"1,2,3\n4,5\n6,7,8\n")))
    add("truncated/corrupt file", "CSV with words in data", lambda t: load_data(_write(t, "w.csv", b"a,b\n1,2\nx,y\n")))
    add("truncated/corrupt file", "CSV of binary garbage", lambda t: load_data(_write(t, "g.csv", bytes(range(256)) * 4)))
    add("truncated/corrupt file", "PNG cut short", lambda t: (
        _png(t / "im1" / "a.png", (16, 16)), _write(t, "im1/b.png", (t / "im1" / "a.png").read_bytes()[:40]),
        load_data(t / "im1")))
    add("truncated/corrupt file", "text file named .png", lambda t: (
        _png(t / "im2" / "a.png"), _write(t, "im2/b.png", b"not an image"), load_data(t / "im2")))
    add("truncated/corrupt file", "streamed .npy shard cut short", lambda t: ArrayStream(_write(
        t, "s.npy", (np.save(t / "s0.npy", good), (t / "s0.npy").read_bytes()[:-40])[1])))

    # -- mixed image sizes and modes ------------------------------------------------------------
    def mixed(t, name, sizes_modes):
        for i, (size, mode) in enumerate(sizes_modes):
            _png(t / name / f"{i}.png", size, mode)
        return t / name

    add("mixed image sizes/modes", "8x8 and 12x10 images, no image_size (most common kept, warned)",
        lambda t: load_data(mixed(t, "mx1", [((8, 8), "L"), ((8, 8), "L"), ((12, 10), "L")])), accept=True)
    add("mixed image sizes/modes", "8x8 and 12x10 images with image_size=8",
        lambda t: load_data(mixed(t, "mx2", [((8, 8), "L"), ((12, 10), "L")]), image_size=8), accept=True)
    add("mixed image sizes/modes", "grey and RGB images (converted to RGB)",
        lambda t: load_data(mixed(t, "mx3", [((8, 8), "L"), ((8, 8), "RGB")])), accept=True)
    add("mixed image sizes/modes", "color_mode='CMYK'",
        lambda t: load_data(mixed(t, "mx4", [((8, 8), "L")]), color_mode="CMYK"))
    add("mixed image sizes/modes", "image_size=0", lambda t: load_data(mixed(t, "mx5", [((8, 8), "L")]), image_size=0))

    # -- model folders ----------------------------------------------------------------------------
    def edit_config(t, fn):
        path = _saved_model(t, "cfg")
        config = json.loads((path / "config.json").read_text())
        fn(config)
        (path / "config.json").write_text(json.dumps(config))
        return load_model(path)

    add("model folder", "config latent_dim changed (weights do not match)",
        lambda t: edit_config(t, lambda c: c["model"]["options"].update(latent_dim=5)))
    add("model folder", "config names an unknown recipe", lambda t: edit_config(t, lambda c: c["model"].update(recipe="x")))
    add("model folder", "config.json not JSON", lambda t: (
        (_saved_model(t, "badjson") / "config.json").write_text("{oops"), load_model(t / "badjson")))
    add("model folder", "weights file is not safetensors", lambda t: (
        (_saved_model(t, "notst") / "model.safetensors").write_bytes(b"\x00" * 64), load_model(t / "notst")))
    add("model folder", "a pickle planted as model.safetensors", lambda t: (
        (_saved_model(t, "pkl") / "model.safetensors").write_bytes(pickle.dumps({"w": Boom()})), load_model(t / "pkl")),
        expect="not a valid safetensors")
    add("model folder", "a torch.save pickle planted as model.safetensors", lambda t: (
        torch.save({"w": Boom()}, _saved_model(t, "tpkl") / "model.safetensors"), load_model(t / "tpkl")),
        expect="not a valid safetensors")
    add("model folder", "estimator folder with a planted pickle (Autoencoder.load)", lambda t: (
        _fitted(t).save(t / "est"), (t / "est" / "model.safetensors").write_bytes(pickle.dumps(Boom())),
        __import__("aekit").Autoencoder.load(t / "est")))
    add("model folder", "a pickle planted as a training checkpoint", lambda t: load_checkpoint(
        _write(t, "ck/checkpoint.pt", pickle.dumps({"format": "aekit-checkpoint", "x": Boom()}))))
    add("model folder", "weights missing", lambda t: (
        (_saved_model(t, "now") / "model.safetensors").unlink(), load_model(t / "now")))
    add("model folder", "CLI info on a folder with a planted pickle", lambda t: (
        (_saved_model(t, "clipkl") / "model.safetensors").write_bytes(pickle.dumps(Boom())),
        _cli(["info", str(t / "clipkl")])))

    # -- paths that are directories (or files where folders belong) -----------------------------
    add("path is a directory", "load_data('x.csv/') where x.csv is a folder (read as an image folder)",
        lambda t: load_data((t / "x.csv").mkdir() or t / "x.csv"))
    add("path is a directory", "IDX path that is a folder", lambda t: __import__("aekit.data", fromlist=["read_idx"]).read_idx(
        (t / "f-idx3-ubyte").mkdir() or t / "f-idx3-ubyte"))
    add("path is a directory", "load_model on a file", lambda t: load_model(_write(t, "file.txt", b"x")))
    add("path is a directory", "checkpoint path that is a folder",
        lambda t: load_checkpoint((t / "ck.pt").mkdir() or t / "ck.pt"))
    add("path is a directory", "streaming shard list holding a folder", lambda t: ArrayStream([t]))
    add("path is a directory", "CLI encode --out naming an existing folder", lambda t: _cli(
        ["encode", str(_fitted(t).save(t / "enc")), str(with_six(t)), "--out", str(t)]), expect="is a folder")
    add("path is a directory", "CLI encode --out naming an existing folder, with --overwrite", lambda t: _cli(
        ["encode", str(_fitted(t).save(t / "enc")), str(with_six(t)), "--out", str((t / "d.npy").mkdir() or t / "d.npy"),
         "--overwrite"]))

    # -- output folders that already hold something --------------------------------------------
    def occupied(t, name, files: dict[str, str], args: list[str]):
        folder = t / name
        folder.mkdir()
        for fname, text in files.items():
            (folder / fname).write_text(text)
        try:
            return _cli(args + ["--out", str(folder)])
        finally:  # nothing the user had may change
            for fname, text in files.items():
                if (folder / fname).read_text() != text:
                    raise AssertionError(f"{folder / fname} was changed")

    run_json = json.dumps({"format": "aekit-run"})
    digits = ["train", "digits", "--epochs", "1", "--quiet", "--latent-dim", "2"]
    add("existing output", "train --out over a finished run, no --overwrite",
        lambda t: occupied(t, "run", {"run.json": run_json, "notes.txt": "mine"}, digits))
    add("existing output", "train --out over a user folder, with --overwrite",
        lambda t: occupied(t, "user", {"thesis.tex": "years of work"}, digits + ["--overwrite"]))
    add("existing output", "train --out that is a file", lambda t: _cli(digits + ["--out", str(_write(t, "f.txt", b"x"))]))
    add("existing output", "train --checkpoint-every over a user folder",
        lambda t: occupied(t, "user2", {"a.txt": "mine"}, digits + ["--checkpoint-every", "1"]))
    add("existing output", "save_model over an existing model",
        lambda t: __import__("aekit").save_model(create_model("deep", (6,), latent_dim=2), _saved_model(t, "exists")))
    add("existing output", "encode --out over an existing file", lambda t: _cli(
        ["encode", str(_fitted(t).save(t / "enc2")), str(with_six(t)), "--out", str(_write(t, "codes.npy", b"keep"))]),
        expect="already exists")
    add("existing output", "--resume on a folder without a checkpoint",
        lambda t: _cli(["train", "--resume", str((t / "norun").mkdir() or t / "norun")]))
    return L


def run_case(case: Case, tmp: Path) -> tuple[str, str]:
    """(outcome, detail): 'accepted', 'clean error', or 'FAILED ...'."""
    import os

    before = Path.cwd()
    os.chdir(tmp)
    try:
        case.run(tmp)
        outcome, detail = "accepted", ""
    except CliError as err:
        outcome, detail = "clean error", f"exit 2: {err}"
    except BaseException as err:  # noqa: BLE001 - classifying every failure is the point
        name = type(err).__name__
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        if name in CLEAN_ERRORS and message and "\n" not in message.strip():
            outcome, detail = "clean error", f"{name}: {message}"
        else:
            outcome, detail = "FAILED", f"{name}: {message[:300]}\n{traceback.format_exc()[-1500:]}"
    finally:
        os.chdir(before)
    detail = detail.replace(str(tmp) + "/", "").replace(str(tmp.resolve()) + "/", "")  # short, stable paths
    if (tmp / "PWNED").exists():
        return "FAILED", "a planted pickle was executed"
    if case.expect and case.expect not in detail:
        return "FAILED", f"expected an error about {case.expect!r}, got: {detail}"
    if case.accept and outcome != "accepted":
        return "FAILED", f"should have been accepted: {detail}"
    if not case.accept and outcome == "accepted":
        return "FAILED", "was accepted without complaint"
    return outcome, detail


def main() -> int:
    import warnings

    warnings.simplefilter("ignore")
    results = []
    for case in cases():
        with tempfile.TemporaryDirectory() as tmp:
            results.append((case, *run_case(case, Path(tmp))))
    counts = Counter(c.kind for c, _, _ in results)
    print("| kind | bad inputs tried | clean one-line error | accepted (as it should) | failures |")
    print("|---|---:|---:|---:|---:|")
    for kind in counts:
        rows = [r for r in results if r[0].kind == kind]
        print(f"| {kind} | {len(rows)} | {sum(o == 'clean error' for _, o, _ in rows)} | "
              f"{sum(o == 'accepted' for _, o, _ in rows)} | {sum(o == 'FAILED' for _, o, _ in rows)} |")
    print(f"| **all** | {len(results)} | {sum(o == 'clean error' for _, o, _ in results)} | "
          f"{sum(o == 'accepted' for _, o, _ in results)} | {sum(o == 'FAILED' for _, o, _ in results)} |")
    print("\n| kind | input | outcome | message |")
    print("|---|---|---|---|")
    for case, outcome, detail in results:
        first = detail.splitlines()[0] if detail else ""
        print(f"| {case.kind} | {case.what} | {outcome} | {first[:160].replace('|', '/')} |")
    failed = [(c, d) for c, o, d in results if o == "FAILED"]
    for case, detail in failed:
        print(f"\nFAILED: {case.kind} / {case.what}\n{detail}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
