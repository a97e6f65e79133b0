"""Input-shape helpers shared by the block builders."""

from __future__ import annotations

import math
from collections.abc import Sequence


def as_shape(input_shape: int | Sequence[int], name: str = "input_shape") -> tuple[int, ...]:
    """Normalise an int or sequence of positive ints to a tuple, with a clear error otherwise."""
    if isinstance(input_shape, int) and not isinstance(input_shape, bool):
        input_shape = (input_shape,)
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {input_shape!r}") from None
    if not shape or any(d <= 0 for d in shape):
        raise ValueError(f"{name} must be non-empty with positive sizes, got {shape}")
    return shape


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def is_image_shape(shape: Sequence[int]) -> bool:
    """Images are (channels, height, width)."""
    return len(shape) == 3
