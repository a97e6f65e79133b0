"""Export a trained autoencoder for use outside Python: an ONNX file or a ``torch.export`` program.

The exported graph is the estimator's own inference path in float32, batch size free:

- ``part="encoder"``: raw feature rows ``x`` (batch, n_features) -> ``code`` (batch, latent_dim),
  as ``transform`` (a VAE's posterior mean);
- ``part="decoder"``: ``code`` -> ``reconstruction`` (batch, n_features), as ``inverse_transform``
  (the mean of p(x | z));
- ``part="full"``: ``x`` -> ``reconstruction``, as ``reconstruct``.

An estimator's input scaling (``(x - offset_) / scale_``, undone on the way out) is part of the
graph, as two constant buffers, so the file takes and returns data in the units the estimator
was fitted on. A bare :class:`aekit.AutoencoderModel` has no scaling: its graph takes and returns
the model's own tensors, shape (batch, *input_shape). Each file records what it holds (part,
inputs, outputs, scaling) as JSON: ONNX metadata ``aekit``, or the ``.pt2`` archive's extra file
``aekit.json``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import logging
import math
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._files import replace_file
from .._version import __version__
from ..models.autoencoder import AutoencoderModel

FORMATS = {"onnx": ".onnx", "torch-export": ".pt2"}  # format -> the file suffix it must carry
PARTS = ("encoder", "decoder", "full")
EXPORTABLE = "an Autoencoder or VariationalAutoencoder estimator, a bare AutoencoderModel, or a folder holding one"
METADATA_KEY = "aekit"  # ONNX metadata key; the .pt2 archive holds it as "aekit.json"
_EXAMPLE_BATCH = 3  # the traced example's batch size; anything but 0 and 1, which torch.export would fix


class ExportGraph(nn.Module):
    """One part of an autoencoder, with the estimator's scaling, as a module of tensors only.

    ``offset``/``scale`` are float32 buffers of shape (n_features,) (None: no scaling), so they
    travel inside the exported file as constants.
    """

    def __init__(self, model: AutoencoderModel, part: str, offset: np.ndarray | None = None,
                 scale: np.ndarray | None = None, flat: bool = True) -> None:
        super().__init__()
        self.model, self.part, self.flat = model, part, flat
        as_buffer = (lambda a: None if a is None else torch.as_tensor(np.asarray(a), dtype=torch.float32).clone())
        self.register_buffer("offset", as_buffer(offset))
        self.register_buffer("scale", as_buffer(scale))

    def _to_model(self, x: torch.Tensor) -> torch.Tensor:
        if self.offset is not None:
            x = (x - self.offset) / self.scale
        return x.reshape(x.shape[0], *self.model.input_shape) if self.flat else x

    def _from_model(self, out: torch.Tensor) -> torch.Tensor:
        if not self.flat:
            return out
        out = out.reshape(out.shape[0], -1)
        return out if self.offset is None else out * self.scale + self.offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.part == "encoder":
            return self.model.encode(self._to_model(x))
        if self.part == "decoder":
            return self._from_model(self.model.decode(x))
        return self._from_model(self.model.reconstruct(self._to_model(x)))


def export(obj: Any, path: str | os.PathLike, *, format: str | None = None, part: str = "full",
           overwrite: bool = False) -> Path:
    """Write one part of a trained autoencoder as an ONNX file or a ``torch.export`` program.

    Parameters
    ----------
    obj : Autoencoder, VariationalAutoencoder, AutoencoderModel, or str / path
        A fitted estimator, a bare model, or a model folder (or run folder) holding one.
    path : str or path
        The file to write, ending in ``.onnx`` (ONNX) or ``.pt2`` (``torch.export``); written
        atomically, and an existing file only replaced with ``overwrite=True``.
    format : {"onnx", "torch-export"}, optional
        Read from the suffix of ``path`` when None.
    part : {"encoder", "decoder", "full"}, default="full"
        What the graph computes (see the module docstring). A VAE's encoder gives the posterior
        mean, its decoder the mean reconstruction.
    overwrite : bool, default=False

    Returns
    -------
    Path of the written file. The batch dimension is dynamic; the arithmetic is float32 (an
    estimator trained with ``precision="bf16"`` is exported in float32), and ``refine_codes``
    is not part of the graph (the encoder's own code is exported; a warning says so).

    Examples
    --------
    >>> import os, tempfile, numpy as np, aekit
    >>> ae = aekit.Autoencoder(latent_dim=2, hidden_dims=[8], epochs=1, random_state=0).fit(np.random.rand(40, 6) * 5)
    >>> out = aekit.export(ae, os.path.join(tempfile.mkdtemp(), "encoder.pt2"), part="encoder")
    >>> program = torch.export.load(out)
    >>> x = np.random.rand(7, 6).astype(np.float32) * 5
    >>> bool(np.allclose(program.module()(torch.from_numpy(x)).numpy(), ae.transform(x), atol=1e-5))
    True
    """
    return write_export(obj, path, format=format, part=part, overwrite=overwrite)[0]


def write_export(obj: Any, path: str | os.PathLike, *, format: str | None = None, part: str = "full",
                 overwrite: bool = False) -> tuple[Path, dict[str, Any]]:
    """:func:`export`, also returning the JSON the file records about itself."""
    target = Path(path)
    format = _check_format(format, target)
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    if target.is_dir():
        raise FileExistsError(f"path {str(target)!r} is a folder; give a file name ending in {FORMATS[format]}")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{str(target)!r} already exists; pass overwrite=True (--overwrite) to replace it")
    if format == "onnx":
        _require_onnx()
    graph, info = _graph(obj, part)
    example = torch.rand(_EXAMPLE_BATCH, *info["input"]["shape"][1:])
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=FORMATS[format], dir=target.parent)
    os.close(fd)
    try:
        (_write_onnx if format == "onnx" else _write_program)(graph, example, info, tmp)
        replace_file(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target, info


def _check_format(format: str | None, target: Path) -> str:
    suffix = target.suffix.lower()
    if format is None:
        by_suffix = {s: f for f, s in FORMATS.items()}
        if suffix not in by_suffix:
            raise ValueError(f"cannot tell the format from {target.name!r}: end the path in .onnx or .pt2, or give the "
                             f"format (format=, --format): one of {sorted(FORMATS)}")
        return by_suffix[suffix]
    if format not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {format!r}")
    if suffix != FORMATS[format]:
        raise ValueError(f"format={format!r} needs a file name ending in {FORMATS[format]}, got {target.name!r}")
    return format


def _require_onnx() -> None:
    missing = [name for name in ("onnx", "onnxscript") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"ONNX export needs the packages onnx and onnxscript; not installed: {', '.join(missing)}. "
                          'Install them with: pip install "aekit[export]" (or use format="torch-export", which '
                          "needs only torch)")


def _graph(obj: Any, part: str) -> tuple[ExportGraph, dict[str, Any]]:
    """The module to trace and the JSON that describes it."""
    if isinstance(obj, (str, os.PathLike)):
        # The estimators import this package: import them only when they are needed.
        from ..estimators import load

        obj = load(obj)
    from ..estimators import Autoencoder

    if isinstance(obj, AutoencoderModel):
        model, kind, offset, scale, flat = obj, "AutoencoderModel", None, None, False
        scaling = "none: a bare model takes and returns its own tensors"
    elif isinstance(obj, Autoencoder):
        if not hasattr(obj, "model_"):
            raise ValueError(f"this {type(obj).__name__} is not fitted; call fit(X) before exporting it")
        model, kind, flat = obj.model_, type(obj).__name__, True
        included = obj.preprocessing_ != "none"
        offset, scale = (obj.offset_, obj.scale_) if included else (None, None)
        scaling = f"{obj.preprocessing_}: included in the graph" if included else "none: the model was fitted on unscaled data"
        if getattr(obj, "refine_codes", 0):
            warnings.warn(f"refine_codes={obj.refine_codes} is not exported: the graph gives the encoder's own code "
                          "(as refine_codes=0)", UserWarning, stacklevel=3)
    else:
        raise TypeError(f"cannot export a {type(obj).__name__}: export takes {EXPORTABLE}")
    _check_part(model, part)
    info = {"format_version": 1, "aekit_version": __version__, "estimator": kind, "part": part,
            "recipe": (model.spec or {}).get("recipe"), "preprocessing": scaling, "dtype": "float32",
            **_signature(model, part, flat)}
    return ExportGraph(_pruned_copy(model, part), part, offset, scale, flat).eval(), info


def _check_part(model: AutoencoderModel, part: str) -> None:
    if model.n_conditions:
        raise ValueError(f"this model is conditional (n_conditions={model.n_conditions}); export supports "
                         "unconditional models only")
    if part == "decoder" and model.input_skip:
        raise ValueError("this model adds its input to the decoder output (input_skip=True), so it has no "
                         "stand-alone decoder: export part='full' or part='encoder'")


def _signature(model: AutoencoderModel, part: str, flat: bool) -> dict[str, Any]:
    data = ["batch", math.prod(model.input_shape)] if flat else ["batch", *model.input_shape]
    code = {"name": "code", "shape": ["batch", model.latent_dim]}
    x, recon = {"name": "x", "shape": data}, {"name": "reconstruction", "shape": data}
    return {"encoder": {"input": x, "output": code}, "decoder": {"input": code, "output": recon},
            "full": {"input": x, "output": recon}}[part]


def _pruned_copy(model: AutoencoderModel, part: str) -> AutoencoderModel:
    """A CPU float32 copy holding only the half the part uses (the user's model is left as it is).

    Weights are made contiguous: channels-last convolution weights would otherwise be saved as
    partial views of their storage by ``torch.export.save``.
    """
    model = copy.deepcopy(model).float().cpu().eval().requires_grad_(False)  # inference: outputs need no grad
    if part == "encoder":
        model.decoder = None  # encode() never reads it; dropping it keeps its weights out of the file
    elif part == "decoder":
        model.encoder = None
    for tensor in list(model.parameters()) + list(model.buffers()):
        tensor.data = tensor.data.contiguous()
    return model


def _dynamic_batch() -> dict[str, Any]:
    return {"x": {0: torch.export.Dim("batch")}}  # the argument of ExportGraph.forward


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence what torch's exporters say about their own internals, which a user cannot act on:
    the ONNX exporter's log lines about torchvision operators, deprecations inside the exporter,
    and nn.LSTM/GRU's warning that their cached weight list is re-assigned while tracing."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.filterwarnings("ignore", message=r"The tensor attributes .*_flat_weights.* were assigned during export")
            yield
    finally:
        logger.setLevel(level)


def _write_program(graph: ExportGraph, example: torch.Tensor, info: dict[str, Any], tmp: str) -> None:
    with _quiet_exporter():
        program = torch.export.export(graph, (example,), dynamic_shapes=_dynamic_batch())
    torch.export.save(program, tmp, extra_files={f"{METADATA_KEY}.json": json.dumps(info)})


def _write_onnx(graph: ExportGraph, example: torch.Tensor, info: dict[str, Any], tmp: str) -> None:
    with _quiet_exporter():
        program = torch.onnx.export(graph, (example,), dynamo=True, dynamic_shapes=_dynamic_batch(),
                                    input_names=[info["input"]["name"]], output_names=[info["output"]["name"]],
                                    verbose=False, report=False)
    program.model.metadata_props[METADATA_KEY] = json.dumps(info)
    program.save(tmp, external_data=False)


def read_export_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON an exported file records about itself (part, inputs, outputs, scaling)."""
    path = Path(path)
    if path.suffix.lower() == ".onnx":
        _require_onnx()
        import onnx

        props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
        if METADATA_KEY not in props:
            raise ValueError(f"{str(path)!r} was not written by aekit.export (no {METADATA_KEY!r} metadata)")
        return json.loads(props[METADATA_KEY])
    extra = {f"{METADATA_KEY}.json": ""}
    torch.export.load(path, extra_files=extra)
    if not extra[f"{METADATA_KEY}.json"]:
        raise ValueError(f"{str(path)!r} was not written by aekit.export (no {METADATA_KEY}.json inside)")
    return json.loads(extra[f"{METADATA_KEY}.json"])
