"""The text models train with aekit.training.fit: the same numbers as their former loops, their
learning-rate schedules, SparseAdam, and TrainingDivergedError on a NaN loss."""

import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch.optim.optimizer import register_optimizer_step_post_hook

import aekit
from aekit.cli import main
from aekit.text import Word2VecModel
from aekit.text.examples import EXAMPLES
from aekit.text.fitting import LossWrapper, per_step_lr
from aekit.text.masked import MaskedTokenEncoder, mask_tokens
from aekit.text.masked_train import MaskedChunks, train_masked
from aekit.text.sampling import subsample
from aekit.text.train import Word2VecExamples, make_optimizer, train_word2vec
from aekit.training import TrainConfig, TrainingDivergedError, fit

TOY = ["the cat sat on the mat and the dog sat on the log"] * 30


def _docs(n_docs=6, length=300, vocab=40, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, vocab, length) for _ in range(n_docs)]


def _former_word2vec_loop(model, documents, keep, noise, window, negatives, epochs, batch_size, lr, seed):
    """The hand-written loop word2vec had before it moved into fit (SparseAdam, linear decay)."""
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
    optimizer = torch.optim.SparseAdam(list(model.parameters()), lr=lr)
    noise_t = torch.as_tensor(noise, dtype=torch.float64)
    losses, step, total_steps = [], 0, None
    for _ in range(epochs):
        inputs, targets = EXAMPLES[model.mode]([subsample(d, keep, rng) for d in documents], window, rng)
        n = len(targets)
        total_steps = total_steps or epochs * -(-n // batch_size)
        order = torch.randperm(n, generator=generator)
        noise_ids = torch.multinomial(noise_t, n * negatives, replacement=True, generator=generator).view(n, negatives)
        epoch_loss = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            for group in optimizer.param_groups:
                group["lr"] = lr * max(1.0 - step / total_steps, 1e-4)
            loss = model.loss(inputs[idx], targets[idx], noise_ids[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() * len(idx)
            step += 1
        losses.append(epoch_loss / n)
    return losses


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_word2vec_through_fit_matches_the_former_loop(mode):
    docs, vocab = _docs(), 40
    keep, noise = np.full(vocab, 0.8), np.full(vocab, 1 / vocab)
    torch.manual_seed(0)
    ours = Word2VecModel(vocab, 8, mode, sparse=True)
    theirs = Word2VecModel(vocab, 8, mode, sparse=True)
    theirs.load_state_dict(ours.state_dict())
    settings = {"window": 3, "negatives": 4, "epochs": 3, "batch_size": 64, "lr": 0.02, "seed": 5}
    curve = train_word2vec(ours, docs, keep, noise, **settings)
    expected = _former_word2vec_loop(theirs, docs, keep, noise, **settings)
    assert np.allclose(curve, expected, rtol=1e-5), (curve, expected)
    for name, tensor in theirs.state_dict().items():
        assert torch.allclose(ours.state_dict()[name], tensor, rtol=1e-5, atol=1e-7), name
    assert not ours.training  # fit leaves the model in eval mode


def _record_lrs():
    lrs = []
    handle = register_optimizer_step_post_hook(lambda opt, args, kwargs: lrs.append(opt.param_groups[0]["lr"]))
    return lrs, handle


def test_word2vec_lr_decays_linearly_per_step_and_the_hook_goes_away():
    docs, vocab = _docs(), 40
    model = Word2VecModel(vocab, 8, sparse=True)
    lrs, handle = _record_lrs()
    try:
        train_word2vec(model, docs, np.ones(vocab), np.full(vocab, 1 / vocab), window=2, epochs=2, batch_size=256,
                       lr=0.04)
    finally:
        handle.remove()
    assert len(lrs) > 20 and lrs[0] == 0.04
    # a straight line from lr to (almost) 0 over epochs x the first epoch's steps (later epochs may
    # take a step or two more: those stay at lr * 1e-4), as in word2vec.c
    total = round(0.04 / (lrs[0] - lrs[1]))
    assert abs(total - len(lrs)) <= 2
    assert np.allclose(lrs, [0.04 * max(1 - t / total, 1e-4) for t in range(len(lrs))], rtol=1e-9)
    # outside training, other optimizers keep their own learning rate
    other = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(other.parameters(), lr=0.5)
    other(torch.ones(1, 2)).sum().backward()
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.5


def test_per_step_lr_touches_only_its_models_optimizer():
    mine, other = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    opt_mine = torch.optim.SGD(mine.parameters(), lr=1.0)
    opt_other = torch.optim.SGD(other.parameters(), lr=1.0)
    with per_step_lr(mine, 0.3, lambda step: 1.0 / (step + 1)):
        for _ in range(3):
            opt_mine.step()
            opt_other.step()
    assert math.isclose(opt_mine.param_groups[0]["lr"], 0.1) and opt_other.param_groups[0]["lr"] == 1.0


def test_masked_lr_anneals_by_a_cosine_per_step():
    torch.manual_seed(0)
    model = MaskedTokenEncoder(30, 8, dim=8, depth=1, encoder="gru", dropout=0.0)
    chunks = torch.randint(3, 30, (40, 8), generator=torch.Generator().manual_seed(0))
    lrs, handle = _record_lrs()
    try:
        curve = train_masked(model, chunks, epochs=2, batch_size=8, lr=0.01)
    finally:
        handle.remove()
    assert len(curve) == 2 and len(lrs) == 10
    expected = [0.005 * (1 + math.cos(math.pi * t / 10)) for t in range(10)]
    assert np.allclose(lrs, expected, rtol=1e-9)


def test_masked_chunks_are_shuffled_and_masked_from_fits_generator():
    chunks = torch.arange(3, 3 + 60).view(10, 6)
    data = MaskedChunks(chunks, vocab_size=100, mask_prob=0.5)
    source, val = data.as_batch_sources(4, torch.Generator().manual_seed(3), 0.0, torch.device("cpu"))
    assert source is data and val is None and len(data) == 10
    batches = list(data.batches(shuffle=True))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    # the same draws as by hand: a permutation, then each batch's masks
    g = torch.Generator().manual_seed(3)
    order = torch.randperm(10, generator=g)
    inputs, labels = mask_tokens(chunks[order[:4]], 100, 0.5, generator=g)
    assert torch.equal(batches[0][0], inputs) and torch.equal(batches[0][1], labels)
    with pytest.raises(ValueError, match="validation_split=0"):
        data.as_batch_sources(4, g, 0.1, torch.device("cpu"))


def test_word2vec_examples_give_fresh_examples_each_epoch():
    data = Word2VecExamples(_docs(n_docs=2, length=50), np.full(40, 0.7), np.full(40, 1 / 40), window=2, negatives=3)
    data.as_batch_sources(32, torch.Generator(), 0.0, torch.device("cpu"))
    first, second = list(data.batches()), list(data.batches())
    assert all(len(b) == 3 and b[2].shape == (len(b[0]), 3) for b in first)
    assert data.steps_per_epoch() == len(first)
    inputs = [torch.cat([b[0] for b in epoch]) for epoch in (first, second)]
    assert len(inputs[0]) != len(inputs[1]) or not torch.equal(*inputs)  # a new subsample, windows and order
    with pytest.raises(ValueError, match="validation_split=0"):
        data.as_batch_sources(32, torch.Generator(), 0.2, torch.device("cpu"))
    empty = Word2VecExamples([np.array([1, 2])], np.zeros(40), np.full(40, 1 / 40))
    empty.as_batch_sources(32, torch.Generator(), 0.0, torch.device("cpu"))
    with pytest.raises(ValueError, match="subsampling left no"):
        next(empty.batches())


def test_sparseadam_by_name_and_weight_decay_it_cannot_do():
    model = Word2VecModel(10, 4, sparse=True)
    assert type(make_optimizer(model, 0.01)) is torch.optim.SparseAdam
    assert type(make_optimizer(Word2VecModel(10, 4), 0.01)) is torch.optim.Adam
    with pytest.raises(ValueError, match="rejected its options"):
        aekit.training.make_optimizer(model, TrainConfig(optimizer="sparseadam", weight_decay=0.1))


def test_loss_wrapper_gives_fit_a_loss_output():
    model = Word2VecModel(5, 4)
    batch = (torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[0], [1]]))
    out = LossWrapper(model).loss(*batch)
    assert out.parts["total"] is out.total and torch.equal(out.total, model.loss(*batch))
    assert list(LossWrapper(model).state_dict()) == ["model." + k for k in model.state_dict()]
    history = fit(LossWrapper(model), Word2VecExamples([np.array([1, 2, 3, 4] * 10)], np.ones(5), np.full(5, 0.2)),
                  TrainConfig(epochs=2, optimizer="adam", validation_split=0.0, progress=False, device="cpu"))
    assert len(history) == 2 and math.isfinite(history["train_total"][-1])


@pytest.mark.parametrize("sparse", [True, False])
def test_word2vec_divergence_raises_training_diverged(sparse):
    w2v = aekit.Word2Vec(dim=8, epochs=3, min_count=1, sparse=sparse, subsample=0, lr=1e30, device="cpu")
    with pytest.raises(TrainingDivergedError, match="the loss became nan") as info:
        w2v.fit(TOY)
    assert not isinstance(info.value, FloatingPointError)  # the text models' own error is gone


def test_masked_divergence_raises_training_diverged():
    mlm = aekit.MaskedTokenModel(dim=16, depth=1, seq_len=8, epochs=2, min_count=1, lr=1e30, device="cpu")
    with pytest.raises(TrainingDivergedError, match="the loss became"):
        mlm.fit(TOY * 3)


def test_cli_reports_divergence_in_one_line(tmp_path):
    corpus = tmp_path / "toy.txt"
    corpus.write_text("\n\n".join(TOY), encoding="utf-8")
    for args in (["word2vec", corpus, "--min-count", 1, "--dim", 8, "--epochs", 3, "--subsample", 0],
                 ["masked-lm", corpus, "--min-count", 1, "--dim", 16, "--depth", 1, "--seq-len", 8, "--epochs", 1]):
        out = tmp_path / args[0]
        result = CliRunner().invoke(main, [str(a) for a in args + ["--lr", 1e30, "--out", out, "--quiet"]])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("aekit: error: the loss became") and result.output.count("\n") == 1
        assert not out.exists()
