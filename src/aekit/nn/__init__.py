"""Building blocks sized from the input shape: MLP and convolutional encoders/decoders."""

from .activations import activation_names, make_activation
from .conv import ConvDecoder, ConvEncoder
from .mlp import MLPDecoder, MLPEncoder, TiedDecoder, param_shape
from .shapes import as_shape, is_image_shape, numel

__all__ = [
    "ConvDecoder",
    "ConvEncoder",
    "MLPDecoder",
    "MLPEncoder",
    "TiedDecoder",
    "activation_names",
    "as_shape",
    "is_image_shape",
    "make_activation",
    "numel",
    "param_shape",
]
