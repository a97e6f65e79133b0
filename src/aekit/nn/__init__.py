"""Building blocks sized from the input shape: MLP, convolutional and sequence encoders/decoders."""

from .activations import activation_names, make_activation
from .conv import ConvDecoder, ConvEncoder
from .conv1d import Conv1dDecoder, Conv1dEncoder
from .mlp import MLPDecoder, MLPEncoder, TiedDecoder, param_shape
from .pca import PCAExpansion, PCAProjection, data_init_modules
from .recurrent import RNNDecoder, RNNEncoder
from .sequence import sequence_dims
from .shapes import as_shape, is_image_shape, numel

__all__ = [
    "Conv1dDecoder",
    "Conv1dEncoder",
    "RNNDecoder",
    "RNNEncoder",
    "sequence_dims",
    "ConvDecoder",
    "ConvEncoder",
    "MLPDecoder",
    "MLPEncoder",
    "PCAExpansion",
    "PCAProjection",
    "TiedDecoder",
    "activation_names",
    "as_shape",
    "data_init_modules",
    "is_image_shape",
    "make_activation",
    "numel",
    "param_shape",
]
