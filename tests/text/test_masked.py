"""Masked-token prediction: BERT's corruption, the loss, held-out accuracy vs the unigram baseline."""

import math

import numpy as np
import pytest
import torch

import aekit
from aekit.text.masked import IGNORE, MASK_ID, MaskedTokenEncoder, mask_tokens
from aekit.text.masked_train import chunk_tokens, evaluate_masked


def test_mask_tokens_chooses_15_percent_then_80_10_10():
    ids = torch.randint(3, 1000, (400, 250), generator=torch.Generator().manual_seed(0))
    ids[:, :50] = 0  # padding: never chosen
    inputs, labels = mask_tokens(ids, vocab_size=1000, generator=torch.Generator().manual_seed(1))
    chosen = labels != IGNORE
    assert not chosen[:, :50].any()
    assert torch.equal(labels[chosen], ids[chosen])  # labels are the original words
    assert torch.equal(inputs[~chosen], ids[~chosen])  # only chosen positions are touched
    assert abs(chosen[:, 50:].float().mean().item() - 0.15) < 0.005
    masked = (inputs[chosen] == MASK_ID).float().mean().item()
    unchanged = (inputs[chosen] == ids[chosen]).float().mean().item()
    random = 1 - masked - unchanged  # a random word equal to the original (p = 1/997) counts as unchanged
    assert abs(masked - 0.8) < 0.01 and abs(unchanged - 0.1) < 0.01 and abs(random - 0.1) < 0.01
    assert (inputs >= 3).logical_or(inputs == MASK_ID).logical_or(ids == 0).all()  # random words are never specials


def test_loss_counts_only_chosen_positions():
    torch.manual_seed(0)
    model = MaskedTokenEncoder(vocab_size=30, seq_len=6, dim=8, depth=1, heads=2, dropout=0.0).eval()
    ids = torch.randint(3, 30, (2, 6))
    labels = torch.full_like(ids, IGNORE)
    labels[0, 2], labels[1, 4] = 7, 11
    logits = model.logits(ids)
    by_hand = -(torch.log_softmax(logits[0, 2], -1)[7] + torch.log_softmax(logits[1, 4], -1)[11]) / 2
    assert math.isclose(model.loss(ids, labels).item(), by_hand.item(), rel_tol=1e-5)
    assert model.loss(ids, torch.full_like(ids, IGNORE)).item() == 0.0  # nothing chosen: 0, not NaN


def test_encoder_options_are_checked():
    with pytest.raises(ValueError, match="divisible by heads"):
        MaskedTokenEncoder(10, 4, dim=10, heads=4)
    with pytest.raises(ValueError, match="encoder must be one of"):
        MaskedTokenEncoder(10, 4, encoder="lstm")
    with pytest.raises(ValueError, match="at most seq_len=4"):
        MaskedTokenEncoder(10, 4, dim=8, heads=2)(torch.zeros(1, 5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"The 'validation_split' parameter of MaskedTokenModel must be a float in "
                                         r"the range \[0.0, 0.5\]"):
        aekit.MaskedTokenModel(validation_split=0.9).fit(["a b"])
    with pytest.raises(ValueError, match="too few to train"):
        aekit.MaskedTokenModel(seq_len=32, min_count=1).fit(["only a handful of words here"])


def test_chunks_are_consecutive_tokens_across_documents():
    assert chunk_tokens([["a", "b", "c"], ["d", "e", "f", "g"]], 3) == [["a", "b", "c"], ["d", "e", "f"]]
    assert chunk_tokens([["a"]], 2) == []


def test_evaluation_baseline_predicts_the_most_frequent_training_word():
    # a model that always scores word 5 highest is exactly the unigram baseline when 5 is the top word
    model = MaskedTokenEncoder(10, 8, dim=8, depth=1, heads=2, dropout=0.0)
    with torch.no_grad():
        model.bias.copy_(torch.tensor([0, 0, 0, 0, 0, 100.0, 0, 0, 0, 0]))
        model.tokens.weight.zero_()
    counts = np.array([0, 0, 0, 1, 2, 50, 3, 4, 5, 6])
    chunks = torch.randint(3, 10, (200, 8), generator=torch.Generator().manual_seed(0))
    ev = evaluate_masked(model, chunks, counts)
    assert ev["accuracy"] == ev["baseline_accuracy"] > 0
    assert 0.1 < ev["baseline_accuracy"] < 0.2  # word 5 is 1 in 7 of the uniform targets
    log_p = np.log((counts[3:] + 1) / (counts[3:] + 1).sum())
    assert math.isclose(ev["baseline_cross_entropy"], -log_p.mean(), rel_tol=0.05)


@pytest.mark.slow
def test_masked_model_beats_the_unigram_baseline_on_held_out_text(docs_slice):
    mlm = aekit.MaskedTokenModel(encoder="gru", seq_len=16, epochs=4, batch_size=32, lr=1e-2, dropout=0.0,
                                 validation_split=0.2, device="cpu").fit(docs_slice)
    ev = mlm.evaluation_
    assert mlm.loss_curve_[-1] < mlm.loss_curve_[0] - 0.5, mlm.loss_curve_
    assert ev["n_predictions"] > 3000  # five maskings of the held-out chunks
    assert ev["accuracy"] > ev["baseline_accuracy"] + 0.04, ev
    assert ev["cross_entropy"] < ev["baseline_cross_entropy"] - 0.2, ev
    # the token embeddings answer the same queries as word2vec's, skipping [PAD]/[UNK]/[MASK]
    assert not {"[PAD]", "[UNK]", "[MASK]"} & {w for w, _ in mlm.most_similar("the", k=20)}


def test_transformer_trains_and_round_trips_exactly(tmp_path, docs_slice):
    mlm = aekit.MaskedTokenModel(encoder="transformer", dim=16, depth=1, heads=2, seq_len=16, epochs=2,
                                 device="cpu").fit(docs_slice[:15])
    assert mlm.loss_curve_[-1] < mlm.loss_curve_[0]
    mlm.save(tmp_path / "mlm")
    back = aekit.MaskedTokenModel.load(tmp_path / "mlm")
    assert np.array_equal(back.vectors, mlm.vectors)
    for name, tensor in mlm.model_.state_dict().items():
        assert torch.equal(back.model_.state_dict()[name], tensor), name
    assert back.evaluation_ == mlm.evaluation_ and back.vocabulary_.words == mlm.vocabulary_.words
    new_text = docs_slice[15:17]
    assert back.evaluate(new_text) == mlm.evaluate(new_text)  # same weights, same fixed masks
    with pytest.raises(ValueError, match="fewer than seq_len=16 tokens"):
        back.evaluate(["too short"])
