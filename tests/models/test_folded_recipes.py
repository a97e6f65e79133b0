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
