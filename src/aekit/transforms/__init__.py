"""What is done to inputs: corruptions (training-time noise and degradations, :mod:`.corruption`,
:mod:`.image_corruptions`) and augmentations (random views for SSL and training, :mod:`.augment`).
Each is a small registered part (see :func:`aekit.registries`); importing this package registers
them all.
"""

from .corruption import CORRUPTIONS, Compose, Corruption, CorruptionSpec, make_corruption, register_corruption
from . import image_corruptions  # noqa: E402,F401  (block_mask, grayscale, downsample, watermark register here)
from .augment import AUGMENTATIONS, PRESETS, Augment, register_augmentation

__all__ = ["AUGMENTATIONS", "Augment", "CORRUPTIONS", "Compose", "Corruption", "CorruptionSpec", "PRESETS",
           "make_corruption", "register_augmentation", "register_corruption"]
