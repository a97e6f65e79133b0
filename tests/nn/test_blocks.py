import pytest
import torch

from aekit.nn import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, TiedDecoder, make_activation


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 7, 9), (2, 5, 5), (1, 1, 1)])
@pytest.mark.parametrize("n_params", [1, 3])
def test_conv_blocks_round_trip_any_image_size(shape, n_params):
    enc = ConvEncoder(shape, 6, channels=(4, 8))
    dec = ConvDecoder(6, shape, channels=(8, 4), n_params=n_params)
    h = enc(torch.zeros(2, *shape))
    assert h.shape == (2, 6)
    assert dec(h).shape == (2, n_params * shape[0], *shape[1:])


def test_deeper_conv_stages_keep_the_last_map_and_add_stride_1_convolutions():
    x = torch.randn(2, 1, 28, 28)
    shallow = ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16), batch_norm=True)
    deep = ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16), batch_norm=True, convs_per_stage=(1, 2, 3))
    assert deep.feature_map(x).shape == shallow.feature_map(x).shape == (2, 16, 4, 4)
    convs = [m for m in deep.modules() if isinstance(m, torch.nn.Conv2d)]
    # (in, out, stride) of each convolution: a stride-2 one opens each stage, stride-1 ones follow
    assert [(c.in_channels, c.out_channels, c.stride[0]) for c in convs] == [
        (1, 4, 2), (8 // 2, 8, 2), (8, 8, 1), (8, 16, 2), (16, 16, 1), (16, 16, 1)]
    assert len(list(deep.modules())) - len(list(shallow.modules())) == 3 * 3  # conv, norm, activation each
    assert ConvEncoder((1, 28, 28), 6, channels=(4, 8), convs_per_stage=2)(x).shape == (2, 6)
    for bad in (0, -1, 1.5, True, (1, 2, 2), (1, 0)):
        with pytest.raises(ValueError, match="convs_per_stage"):
            ConvEncoder((1, 28, 28), 6, channels=(4, 8), convs_per_stage=bad)


def test_a_stride_1_stage_keeps_its_input_size_and_the_head_fits_the_larger_map():
    x = torch.randn(2, 1, 28, 28)
    late = ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16), batch_norm=True, strides=(2, 2, 1))
    early = ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16), strides=[1, 2, 2])
    assert late.feature_map(x).shape == early.feature_map(x).shape == (2, 16, 7, 7)
    assert late.head[1].in_features == early.head[1].in_features == 16 * 7 * 7
    assert [m.stride[0] for m in late.modules() if isinstance(m, torch.nn.Conv2d)] == [2, 2, 1]
    assert late(x).shape == early(x).shape == (2, 6)
    # odd sizes: a stride-2 stage rounds up, a stride-1 one keeps it (9 -> 5 -> 5 -> 3)
    assert ConvEncoder((1, 9, 9), 6, channels=(4, 8, 8), strides=(2, 1, 2)).feature_map(torch.zeros(2, 1, 9, 9)).shape[-2:] == (3, 3)
    # the default is the stride-2 network as before
    assert ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16)).feature_map(x).shape == (2, 16, 4, 4)
    for bad in (0, 3, True, (2, 2), (2, 2, 3), 2.0):
        with pytest.raises(ValueError, match="strides must be 1 or 2"):
            ConvEncoder((1, 28, 28), 6, channels=(4, 8, 16), strides=bad)


@pytest.mark.parametrize("shape", [(10,), (1, 8, 8), (3, 4)])
def test_mlp_blocks_shapes(shape):
    enc = MLPEncoder(shape, 5, hidden_dims=(16, 8))
    dec = MLPDecoder(5, shape, hidden_dims=(8, 16), n_params=2)
    h = enc(torch.zeros(3, *shape))
    assert h.shape == (3, 5)
    assert dec(h).shape == (3, 2 * shape[0], *shape[1:])


def test_code_activation_applies():
    enc = MLPEncoder(10, 4, hidden_dims=(), code_activation="sigmoid")
    out = enc(100 * torch.randn(50, 10))
    assert out.min() >= 0 and out.max() <= 1


def test_tied_decoder_uses_encoder_transpose_and_owns_only_a_bias():
    enc = MLPEncoder(6, 3, hidden_dims=())
    dec = TiedDecoder(enc[1], (6,))
    assert [n for n, _ in dec.named_parameters()] == ["bias"]
    z = torch.randn(4, 3)
    expected = z @ enc[1].weight + dec.bias
    torch.testing.assert_close(dec(z), expected)
    with torch.no_grad():
        enc[1].weight.add_(1.0)  # the decoder must see the change
    torch.testing.assert_close(dec(z), z @ enc[1].weight + dec.bias)


def test_bad_shapes_and_names_are_clear():
    with pytest.raises(ValueError, match="channels, height, width"):
        ConvEncoder((64,), 4)
    with pytest.raises(ValueError, match="positive sizes"):
        MLPEncoder((0, 3), 4)
    with pytest.raises(TypeError, match="input_shape"):
        MLPEncoder("abc", 4)
    with pytest.raises(ValueError, match="activation must be one of"):
        make_activation("swishy")
    with pytest.raises(ValueError, match="tied decoder"):
        TiedDecoder(MLPEncoder(6, 3, hidden_dims=())[1], (7,))
