"""word2vec: the loss against hand values, the examples, training, queries, saving."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import aekit
from aekit.io import ModelFolderError
from aekit.text import Word2VecModel, negative_sampling_loss
from aekit.text.examples import cbow_examples, skipgram_examples


def _softplus(x):
    return math.log(1 + math.exp(x))


def test_negative_sampling_loss_matches_hand_computation():
    h = torch.tensor([[1.0, 2.0]])
    pos = torch.tensor([[0.5, -1.0]])  # u_o . h = -1.5
    neg = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # u_k . h = 1, 2
    # -log s(-1.5) - log s(-1) - log s(-2) = softplus(1.5) + softplus(1) + softplus(2)
    expected = _softplus(1.5) + _softplus(1.0) + _softplus(2.0)
    assert math.isclose(expected, 5.1416, abs_tol=1e-4)
    assert math.isclose(negative_sampling_loss(h, pos, neg).item(), expected, rel_tol=1e-6)
    # a batch is the mean of its examples; a second example with all scores 0 costs 3 log 2
    batch = negative_sampling_loss(torch.cat([h, torch.zeros(1, 2)]), torch.cat([pos, pos]), torch.cat([neg, neg]))
    assert math.isclose(batch.item(), (expected + 3 * math.log(2)) / 2, rel_tol=1e-6)


def test_model_loss_uses_input_vectors_and_cbow_averages_the_context():
    model = Word2VecModel(vocab_size=4, dim=2, mode="cbow")
    with torch.no_grad():
        model.input.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 0.0], [0.0, 0.0], [0.0, 0.0]]))
        model.output.weight.copy_(torch.tensor([[0.0, 0.0], [0.0, 0.0], [0.5, -1.0], [1.0, 0.0]]))
    # context {0, 1} -> mean (2, 1); target 2: score 0; negative 3: score 2
    loss = model.loss(torch.tensor([[0, -1, 1, -1]]), torch.tensor([2]), torch.tensor([[3]]))
    assert math.isclose(loss.item(), _softplus(0.0) + _softplus(2.0), rel_tol=1e-6)
    skip = Word2VecModel(4, 2, "skipgram")
    skip.load_state_dict(model.state_dict())
    loss = skip.loss(torch.tensor([0]), torch.tensor([2]), torch.tensor([[3]]))  # h = (1, 2): -1.5 and 1
    assert math.isclose(loss.item(), _softplus(1.5) + _softplus(1.0), rel_tol=1e-6)
    with pytest.raises(ValueError, match="mode must be one of"):
        Word2VecModel(4, 2, "glove")


def test_skipgram_pairs_stay_in_document_and_follow_the_reduced_window():
    window, n = 4, 4000
    docs = [np.arange(n), np.arange(n, n + 3)]  # ids = positions, so a pair gives its distance
    centres, contexts = skipgram_examples(docs, window, np.random.default_rng(0))
    c, x = centres.numpy(), contexts.numpy()
    assert ((c < n) == (x < n)).all()  # never across the document boundary
    dist = np.abs(c - x)
    assert dist.min() == 1 and dist.max() == window
    # position i sees distance d when its window b >= d: probability (window - d + 1) / window
    share = np.bincount(dist[c < n], minlength=window + 1)[1:] / (2 * n)
    assert np.allclose(share, [(window - d + 1) / window for d in range(1, window + 1)], atol=0.03), share
    small, _ = skipgram_examples([np.array([5, 6, 7])], 1, np.random.default_rng(0))
    assert len(small) == 4


def test_cbow_contexts_equal_the_skipgram_pairs_of_each_centre():
    docs = [np.arange(30), np.arange(100, 105), np.array([200])]
    centres, contexts = skipgram_examples(docs, 3, np.random.default_rng(1))
    ctx, targets = cbow_examples(docs, 3, np.random.default_rng(1))  # same seed, same windows
    grouped = {}
    for a, b in zip(centres.tolist(), contexts.tolist()):
        grouped.setdefault(a, set()).add(b)
    assert 200 not in targets.tolist()  # a lone word has no context
    assert {t: set(r[r >= 0].tolist()) for t, r in zip(targets.tolist(), ctx)} == grouped


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_word2vec_loss_decreases_on_a_corpus_slice(mode, docs_slice):
    w2v = aekit.Word2Vec(mode=mode, dim=32, epochs=4, device="cpu").fit(docs_slice)
    curve = w2v.loss_curve_
    assert len(curve) == 4 and all(math.isfinite(v) for v in curve)
    assert curve[-1] < 0.85 * curve[0], curve
    assert w2v.vectors.shape == (len(w2v.vocabulary_), 32)
    assert 1000 < w2v.n_tokens_ < 30_000


def test_queries_rank_by_cosine_and_name_unknown_words(docs_slice):
    w2v = aekit.Word2Vec(dim=16, epochs=1, device="cpu").fit(docs_slice[:20])
    top = w2v.most_similar("the", k=5)
    assert len(top) == 5 and "the" not in [w for w, _ in top]
    cosines = [s for _, s in top]
    assert cosines == sorted(cosines, reverse=True)
    unit = w2v.vectors / np.linalg.norm(w2v.vectors, axis=1, keepdims=True)
    i, j = w2v.vocabulary_.index("the"), w2v.vocabulary_.index(top[0][0])
    assert math.isclose(cosines[0], float(unit[i] @ unit[j]), rel_tol=1e-5)
    assert math.isclose(w2v.similarity("the", top[0][0]), cosines[0], rel_tol=1e-5)
    answer = w2v.analogy("the", "a", "an", k=3)
    assert len(answer) == 3 and not {"the", "a", "an"} & {w for w, _ in answer}
    assert np.array_equal(w2v["the"], w2v.vectors[i])
    with pytest.raises(KeyError, match="'xylophone' is not in the vocabulary"):
        w2v.most_similar("xylophone")
    with pytest.raises(ValueError, match="'qwerty'"):
        w2v.analogy("the", "qwerty", "a")
    with pytest.raises(ValueError, match="k must be a positive integer"):
        w2v.most_similar("the", k=0)


def test_word2vec_checks_its_input():
    with pytest.raises(ValueError, match="corpus is empty"):
        aekit.Word2Vec().fit(["123", "..."])
    with pytest.raises(ValueError, match="The 'mode' parameter of Word2Vec must be a str among"):
        aekit.Word2Vec(mode="glove").fit(["a b"])
    with pytest.raises(ValueError, match=r"The 'dim' parameter of Word2Vec must be an int in the range \[1, inf\)"):
        aekit.Word2Vec(dim=0).fit(["a b"])
    with pytest.raises(ValueError, match=r"The 'lr' parameter of Word2Vec must be a float in the range \(0.0, inf\)"):
        aekit.Word2Vec(lr=0).fit(["a b"])
    with pytest.raises(ValueError, match="no word occurs min_count=5"):
        aekit.Word2Vec().fit(["just a few words"])
    with pytest.raises(ValueError, match="two or more vocabulary words"):
        aekit.Word2Vec(min_count=1).fit(["one", "two"])
    with pytest.raises(NotFittedError):
        aekit.Word2Vec().most_similar("a")
    assert clone(aekit.Word2Vec(dim=8)).get_params()["dim"] == 8


@pytest.mark.parametrize("sparse", [True, False])
def test_sparse_and_dense_adam_both_train(sparse):
    text = ["the cat sat on the mat and the dog sat on the log"] * 30
    w2v = aekit.Word2Vec(dim=8, epochs=3, min_count=1, sparse=sparse, subsample=0, device="cpu").fit(text)
    assert w2v.model_.input.weight.grad.is_sparse == sparse
    assert w2v.loss_curve_[-1] < w2v.loss_curve_[0]


def test_save_load_round_trip_is_exact_and_never_overwrites(tmp_path, docs_slice):
    w2v = aekit.Word2Vec(mode="cbow", dim=16, epochs=1, device="cpu").fit(docs_slice[:20])
    path = w2v.save(tmp_path / "w2v")
    # the layout every estimator shares: the vocabulary is JSON in config.json (aekit 0.1 had vocab.json)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "history.json", "model.safetensors"]
    back = aekit.Word2Vec.load(path)
    assert np.array_equal(back.vectors, w2v.vectors)
    assert torch.equal(back.model_.output.weight, w2v.model_.output.weight)
    assert back.vocabulary_.words == w2v.vocabulary_.words
    assert back.vocabulary_.counts.tolist() == w2v.vocabulary_.counts.tolist()
    assert back.get_params() == w2v.get_params() and back.loss_curve_ == w2v.loss_curve_
    assert back.most_similar("the", 5) == w2v.most_similar("the", 5)
    with pytest.raises(FileExistsError, match="already exists"):
        w2v.save(path)
    w2v.save(path, overwrite=True)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="did not write"):
        w2v.save(tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    with pytest.raises(ModelFolderError, match="holds a 'Word2Vec', not a MaskedTokenModel"):
        aekit.MaskedTokenModel.load(path)
    old = Path(__file__).parents[1] / "fixtures" / "model_folders" / "b6df935" / "word2vec"
    legacy = tmp_path / "legacy"
    shutil.copytree(old, legacy)
    (legacy / "vocab.json").unlink()
    with pytest.raises(ModelFolderError, match="vocab.json is missing"):  # aekit 0.1's layout, damaged
        aekit.Word2Vec.load(legacy)
