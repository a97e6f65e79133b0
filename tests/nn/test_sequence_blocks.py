"""Sequence encoders/decoders: exact shapes, padding-aware recurrent encoding, clear errors."""

import pytest
import torch

from aekit.nn import Conv1dDecoder, Conv1dEncoder, RNNDecoder, RNNEncoder, sequence_dims


@pytest.mark.parametrize("length", [1, 2, 31, 32, 63])
def test_conv1d_round_trips_exact_lengths(length):
    enc, dec = Conv1dEncoder((length, 3), 4, channels=(8, 8, 8)), Conv1dDecoder(4, (length, 3), channels=(8, 8, 8))
    assert dec(enc(torch.randn(2, length, 3))).shape == (2, length, 3)


@pytest.mark.parametrize("shape", [(20,), (20, 3), (5, 2, 2)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_blocks_take_univariate_multivariate_and_framed_shapes(shape, cell):
    enc = RNNEncoder(shape, 6, hidden_dims=(8, 4), cell=cell, bidirectional=True)
    dec = RNNDecoder(6, shape, hidden_dims=(4, 8), cell=cell, n_params=2)
    code = enc(torch.randn(3, *shape))
    assert code.shape == (3, 6)
    assert dec(code).shape == (3, 2 * shape[0], *shape[1:])  # two parameter blocks along time


def test_rnn_encoder_with_mask_equals_encoding_the_unpadded_sequences():
    torch.manual_seed(0)
    enc = RNNEncoder((12, 2), 5, hidden_dims=(8, 6))
    x = torch.randn(3, 12, 2)
    mask = torch.zeros(3, 12, dtype=torch.bool)
    mask[:, :7] = True
    short = enc(x[:, :7])  # the weights do not depend on the length, so this is the reference
    torch.testing.assert_close(enc(x, mask=mask), short)
    torch.testing.assert_close(enc(x + 100 * ~mask[..., None], mask=mask), short)  # padding content ignored


def test_rnn_decoder_teacher_forcing_reads_the_target_and_evaluation_does_not():
    torch.manual_seed(0)
    dec = RNNDecoder(4, (10, 2), hidden_dims=(8,), teacher_forcing=1.0)
    z, target = torch.randn(3, 4), torch.randn(3, 10, 2)
    forced = dec(z, target=target)
    assert not torch.allclose(forced, dec(z, target=target + 1))  # the previous true values feed the steps
    assert torch.equal(dec(z), dec(z))  # free-running: no target, deterministic
    assert RNNDecoder(4, (10, 2), feedback=False).uses_target is False


def test_sequence_blocks_reject_bad_options():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNEncoder((10, 2), 4, cell="rnn")
    with pytest.raises(ValueError, match="hidden_dims must be one or more positive ints"):
        RNNEncoder((10, 2), 4, hidden_dims=())
    with pytest.raises(ValueError, match="teacher_forcing must be a probability"):
        RNNDecoder(4, (10, 2), teacher_forcing=1.5)
    with pytest.raises(ValueError, match="teacher_forcing needs feedback=True"):
        RNNDecoder(4, (10, 2), teacher_forcing=0.5, feedback=False)
    with pytest.raises(ValueError, match="kernel_size must be a positive odd int"):
        Conv1dEncoder((10, 2), 4, kernel_size=4)
    with pytest.raises(ValueError, match="input_shape must be non-empty"):
        sequence_dims(())
    enc = RNNEncoder((6, 1), 4)
    gap = torch.tensor([[True, False, True, True, False, False]])
    with pytest.raises(ValueError, match="prefix of each sequence"):
        enc(torch.zeros(1, 6, 1), mask=gap)
    with pytest.raises(ValueError, match="no observed step"):
        enc(torch.zeros(1, 6, 1), mask=torch.zeros(1, 6, dtype=torch.bool))
