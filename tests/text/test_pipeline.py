"""Tokenizer, vocabulary, corpus reading, and word2vec's two distributions."""

import numpy as np
import pytest
import torch

from aekit.text import (
    UnknownWordError,
    Vocabulary,
    builtin_documents,
    keep_probabilities,
    noise_distribution,
    read_documents,
    subsample,
    tokenize,
    tokenize_documents,
)


def test_tokenize_lowercases_and_keeps_inner_apostrophes():
    assert tokenize("Don’t PANIC: __init__ returns None; utf8!") == ["don't", "panic", "init", "returns", "none", "utf"]
    assert tokenize("Émile café") == ["émile", "café"]
    assert tokenize("") == []
    with pytest.raises(TypeError, match="text must be a str"):
        tokenize(b"bytes")


def test_vocabulary_counts_orders_and_limits():
    docs = [["b", "a", "c", "a"], ["c", "a", "d", "b"]]
    v = Vocabulary.build(docs, min_count=2)
    assert v.words == ["a", "b", "c"] and v.counts.tolist() == [3, 2, 2]  # ties alphabetical
    assert Vocabulary.build(docs, min_count=1, max_size=2).words == ["a", "b"]
    assert v.encode(["d", "c", "a"]).tolist() == [2, 0]  # "d" is rare: dropped
    withspecials = Vocabulary.build(docs, min_count=2, specials=["[UNK]"])
    assert withspecials.encode(["d", "c"], unknown="[UNK]").tolist() == [0, 3]
    assert np.isclose(v.frequencies.sum(), 1.0)
    assert Vocabulary.from_dict(withspecials.to_dict()).words == withspecials.words


def test_vocabulary_errors_name_the_problem():
    v = Vocabulary.build([["a", "a"]], min_count=1)
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary"):
        v.index("zebra")
    with pytest.raises(ValueError, match="zebra"):  # catchable as ValueError too
        v.index("zebra")
    assert str(UnknownWordError("plain message")) == "plain message"
    with pytest.raises(ValueError, match="min_count=3"):
        Vocabulary.build([["a", "a"]], min_count=3)
    with pytest.raises(ValueError, match="min_count must be an integer >= 1"):
        Vocabulary.build([["a"]], min_count=0)
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build([["a"]], min_count=1, max_size=0)


def test_read_documents_from_file_list_and_builtin(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("First paragraph,\nstill first.\n\n  \nSecond one.\n", encoding="utf-8")
    assert read_documents(f) == ["First paragraph,\nstill first.", "Second one.\n"]
    assert read_documents(["a b", "c"]) == ["a b", "c"]
    docs = builtin_documents()
    assert len(docs) > 50 and sum(len(tokenize(d)) for d in docs) > 50_000
    assert read_documents("python-docs") == docs
    with pytest.raises(FileNotFoundError, match="corpus file .*nope.txt.* does not exist"):
        read_documents(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="is a folder"):
        read_documents(tmp_path)
    with pytest.raises(TypeError, match="list of strings"):
        read_documents([1, 2])
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00abc")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_documents(tmp_path / "bin.txt")
    with pytest.raises(ValueError, match="corpus is empty"):
        tokenize_documents(["123 456", "..."])


def test_keep_probability_is_sqrt_threshold_over_frequency():
    counts = np.array([900, 90, 9, 1])  # f = 0.9, 0.09, 0.009, 0.001
    keep = keep_probabilities(counts, threshold=0.01)
    expected = np.minimum(np.sqrt(0.01 / (counts / 1000)), 1.0)
    assert np.allclose(keep, expected) and np.isclose(keep[0], np.sqrt(1 / 90))
    assert keep[2] == keep[3] == 1.0  # rarer than the threshold: always kept
    assert (keep_probabilities(counts, 0) == 1).all()
    with pytest.raises(ValueError, match="subsample threshold"):
        keep_probabilities(counts, -1.0)


def test_subsampling_keeps_the_expected_fraction():
    rng = np.random.default_rng(0)
    keep = np.array([0.1, 0.5, 1.0])
    ids = np.repeat([0, 1, 2], 20_000)
    kept = np.bincount(subsample(ids, keep, rng), minlength=3) / 20_000
    assert np.allclose(kept, keep, atol=0.01), kept


def test_noise_distribution_is_unigram_to_the_three_quarters_and_sampling_matches():
    counts = np.array([0, 81, 16, 1])  # a special token with count 0, then 81**.75=27, 16**.75=8, 1
    p = noise_distribution(counts)
    assert np.allclose(p, [0, 27 / 36, 8 / 36, 1 / 36])
    assert np.allclose(noise_distribution(counts, power=1.0), counts / 98)
    # the training loop draws negatives with torch.multinomial from exactly this vector
    draws = torch.multinomial(torch.as_tensor(p), 200_000, replacement=True, generator=torch.Generator().manual_seed(0))
    assert np.allclose(np.bincount(draws.numpy(), minlength=4) / 200_000, p, atol=0.005)
    with pytest.raises(ValueError, match="positive sum"):
        noise_distribution([0, 0])
