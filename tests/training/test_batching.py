"""In-memory batches: the rows a shuffled epoch gives, gathered with ``index_select``."""

import pytest
import torch

from aekit.training.batching import TensorBatches, make_sources, take_rows


@pytest.mark.parametrize("tensor", [
    torch.randn(50, 7),  # features
    torch.randn(50, 2, 5, 5),  # images
    torch.arange(50) * 3,  # int64 labels
    torch.randn(7, 50).T,  # not contiguous
], ids=["rows", "images", "labels", "strided"])
def test_take_rows_is_advanced_indexing(tensor):
    rows = torch.tensor([49, 0, 3, 3, 17])
    taken = take_rows(tensor, rows)
    assert taken.dtype == tensor.dtype and taken.shape == (5, *tensor.shape[1:])
    assert torch.equal(taken, tensor[rows])


def test_shuffled_batches_follow_the_generators_permutation():
    x, label = torch.randn(10, 3), torch.arange(10)
    batches = list(TensorBatches((x, label), 4, torch.Generator().manual_seed(5)).batches(shuffle=True))
    order = torch.randperm(10, generator=torch.Generator().manual_seed(5))  # the same draw, by hand
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([b[1] for b in batches]), order)
    assert torch.equal(torch.cat([b[0] for b in batches]), x[order])


def test_unshuffled_batches_are_the_rows_in_order():
    x = torch.randn(10, 3)
    batches = list(TensorBatches((x,), 4, torch.Generator()).batches(shuffle=False))
    assert torch.equal(torch.cat([b[0] for b in batches]), x)


def test_validation_split_holds_out_the_first_rows_of_one_permutation():
    x, label = torch.randn(20, 3), torch.arange(20)
    train, val = make_sources((x, label), None, 0.25, 8, torch.device("cpu"), seed=None,
                              generator=torch.Generator().manual_seed(1))
    order = torch.randperm(20, generator=torch.Generator().manual_seed(1))
    assert torch.equal(val.tensors[1], order[:5]) and torch.equal(val.tensors[0], x[order[:5]])
    assert torch.equal(train.tensors[1], order[5:]) and torch.equal(train.tensors[0], x[order[5:]])
