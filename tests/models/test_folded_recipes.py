"""Ideas written once: `denoise` is `denoising` with the restoration defaults, and image holes
(block-mask corruption, SSL context encoder) come from one masking function."""

import torch

import aekit
from aekit.ssl.inpainting import square_holes
from aekit.transforms.image_corruptions import BlockMask


def test_denoise_is_denoising_with_the_restoration_defaults():
    torch.manual_seed(0)
    denoise = aekit.create_model("denoise", (1, 8, 8))
    torch.manual_seed(0)
    denoising = aekit.create_model("denoising", (1, 8, 8), latent_dim=128, architecture="conv", channels=[32, 64],
                                   input_skip=False, corruption={"name": "gaussian", "std": 0.3})
    assert repr(denoise) == repr(denoising) and denoise.corruption.config() == {"name": "gaussian", "std": 0.3}
    for (k, a), (_, b) in zip(denoise.state_dict().items(), denoising.state_dict().items()):
        assert torch.equal(a, b), k
    impulse = aekit.create_model("denoise", (1, 8, 8), corruption={"name": "salt_and_pepper", "p": 0.2})
    assert impulse.corruption.config()["name"] == "salt_and_pepper"


def test_context_encoder_holes_are_block_masks():
    x = torch.zeros(6, 1, 8, 8)
    torch.manual_seed(1)
    holes = square_holes(x, 4)
    torch.manual_seed(1)
    blocks = BlockMask("random_block", size=0.5).mask(x)
    assert torch.equal(holes.bool(), blocks)
    assert torch.equal(square_holes(x, 4, center=True).bool(), BlockMask("center", size=0.5).mask(x))


def test_options_a_network_has_no_use_for_are_refused():
    import pytest

    with pytest.raises(ValueError, match="hidden_dims is an option of an MLP"):
        aekit.create_model("conv", (1, 8, 8), hidden_dims=[7])
    with pytest.raises(ValueError, match="dropout is an option of an MLP"):
        aekit.create_model("conv", (1, 8, 8), dropout=0.5)
    with pytest.raises(ValueError, match="channels is an option of a convolutional network"):
        aekit.create_model("deep", (10,), channels=[8])
    for recipe, option in [("conv1d", {"hidden_dims": [8]}), ("conv1d", {"bidirectional": True}),
                           ("conv1d", {"teacher_forcing": 0.5}), ("conv1d", {"feedback": False}),
                           ("lstm", {"channels": [8]}), ("gru", {"kernel_size": 3})]:
        with pytest.raises(ValueError, match=f"{next(iter(option))} is an option of"):
            aekit.create_model(recipe, (16, 2), **option)
    aekit.create_model("conv", (1, 8, 8), dropout=0.0)  # the default of the other network is no error


def test_an_unknown_option_lists_what_the_recipe_really_takes():
    import pytest

    with pytest.raises(TypeError, match=r"'dropuot'; its options are \[.*'channels'.*'dropout'.*'hidden_dims'"):
        aekit.create_model("conv", (1, 8, 8), dropuot=0.5)
    with pytest.raises(TypeError, match=r"its options are \[.*'bidirectional'.*'kernel_size'"):
        aekit.create_model("lstm", (16, 2), chanels=[3])
