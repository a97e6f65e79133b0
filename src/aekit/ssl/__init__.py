"""Self-supervised learning: pretext tasks and joint-embedding methods that train a backbone.

Every method is an ``nn.Module`` with ``loss(x) -> LossOutput`` (trained by :func:`aekit.fit`) and a
``backbone`` (what users keep: :func:`save_backbone` / :func:`load_backbone`). Methods by name:

- pretext tasks: ``rotation``, ``jigsaw``, ``colorization``, ``mae``, ``masked_features``
  (tabular), ``inpainting``, ``augmentation_id``
- joint embedding: ``simclr``, ``moco``, ``byol``, ``simsiam``, ``barlow_twins``, ``vicreg``, ``dino``,
  ``jepa`` (the view-based ones take ``n_local_crops``: multi-crop, see :mod:`.views`)
- metric learning: ``triplet`` (triplet or margin contrastive loss, mined in the batch; labels optional)
- several pretext tasks on one backbone: ``multitask`` (``tasks=["rotation", "inpainting"]``)

Examples
--------
>>> import torch
>>> from aekit import TrainConfig, fit
>>> from aekit.ssl import create_method
>>> m = create_method("simclr", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> history = fit(m, torch.rand(64, 1, 8, 8), TrainConfig(epochs=1, progress=False))
"""

from . import augid, barlow, byol, colorization, dino, inpainting, jepa, jigsaw, masking, moco, rotation  # noqa: F401
from . import multitask, simclr, triplet, vicreg  # noqa: F401
from ..transforms.augment import AUGMENTATIONS, PRESETS, Augment, register_augmentation
from .backbones import BACKBONES, make_backbone, make_head, projection_head, register_backbone
from .base import METHODS, EMATarget, SSLMethod, create_method, list_methods, register_method
from .persist import load_backbone, load_method, save_backbone, save_method

__all__ = [
    "AUGMENTATIONS",
    "Augment",
    "BACKBONES",
    "EMATarget",
    "METHODS",
    "PRESETS",
    "SSLMethod",
    "create_method",
    "list_methods",
    "load_backbone",
    "load_method",
    "make_backbone",
    "make_head",
    "projection_head",
    "register_backbone",
    "register_augmentation",
    "register_method",
    "save_backbone",
    "save_method",
]
