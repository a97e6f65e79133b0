"""Streaming .npy shards: every row once per epoch, shuffled by block and buffer, clear errors."""

import numpy as np
import pytest
import torch

from aekit import Autoencoder, TrainConfig, create_model, fit
from aekit.data import ArrayStream


@pytest.fixture()
def shards(tmp_path):
    X = np.arange(1000 * 4, dtype=np.float32).reshape(1000, 4)
    for i, part in enumerate(np.array_split(X, 3)):
        np.save(tmp_path / f"part{i}.npy", part)
    return tmp_path, X


def _rows(source, shuffle=True):
    return np.concatenate([b[0].numpy() for b in source.batches(shuffle=shuffle)])


def test_each_row_once_per_epoch_shuffled_and_reproducible(shards):
    folder, X = shards
    stream = ArrayStream(folder, block_size=100, shuffle_buffer=250)
    assert len(stream) == 1000 and stream.sample_shape == (4,) and len(stream.shards) == 3
    train, val = stream.as_batch_sources(64, torch.Generator().manual_seed(0), 0.2, torch.device("cpu"))
    assert len(train) + len(val) == 1000 and len(val) >= 200
    first, second = _rows(train), _rows(train)
    ids = first[:, 0] // 4
    assert sorted(ids.tolist()) == sorted((_rows(train)[:, 0] // 4).tolist())  # a permutation each epoch
    assert len(set(ids.tolist())) == len(train)
    assert not set(ids.tolist()) & set((_rows(val, False)[:, 0] // 4).tolist())  # validation held out
    assert not np.array_equal(first, second)  # a new order each epoch
    assert np.abs(np.diff(ids)).mean() > 50  # not sequential: block order and buffer are shuffled
    again, _ = stream.as_batch_sources(64, torch.Generator().manual_seed(0), 0.2, torch.device("cpu"))
    assert np.array_equal(_rows(again), first)  # same seed, same order
    assert np.allclose(stream.feature_stats()["mean"], X.mean(0)) and np.allclose(stream.feature_stats()["std"], X.std(0))


@pytest.mark.slow
def test_fit_and_estimator_accept_a_stream(tmp_path, digits_flat):
    X = digits_flat[0][:600]
    np.save(tmp_path / "digits.npy", X)
    stream = ArrayStream(tmp_path / "digits.npy", block_size=128, shuffle_buffer=512)
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=8)
    h = fit(model, stream, TrainConfig(epochs=4, batch_size=64, progress=False))
    assert h["train_total"][-1] < 0.7 * h["train_total"][0] and "val_total" in h.metrics

    on_disk = Autoencoder(latent_dim=8, epochs=6, random_state=0).fit(stream)
    in_memory = Autoencoder(latent_dim=8, epochs=6, random_state=0).fit(X)
    assert on_disk.n_features_in_ == 64 and on_disk.transform(X).shape == (600, 8)
    mse = [np.mean((est.reconstruct(X) - X) ** 2) for est in (on_disk, in_memory)]
    assert mse[0] < 1.3 * mse[1], mse
    memmap = np.load(tmp_path / "digits.npy", mmap_mode="r")  # a memory map works through the same API
    assert Autoencoder(latent_dim=2, epochs=1, random_state=0).fit(ArrayStream(memmap)).transform(X).shape == (600, 2)


def test_broken_shards_are_refused_with_the_cause(tmp_path):
    good = np.zeros((20, 3), dtype=np.float32)
    np.save(tmp_path / "ok.npy", good)
    raw = (tmp_path / "ok.npy").read_bytes()
    cases = {
        "truncated.npy": (raw[:-17], "truncated"),
        "empty.npy": (b"", "empty"),
        "garbage.npy": (b"not an npy file at all", "not a valid .npy"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=message):
            ArrayStream(tmp_path / name)

    class Boom:
        def __reduce__(self):
            return (exec, ("open('PWNED', 'w').write('x')",))

    np.save(tmp_path / "objects.npy", np.array([Boom()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="no objects"):
        ArrayStream(tmp_path / "objects.npy")
    assert not (tmp_path / "PWNED").exists()  # the pickle inside that .npy never ran

    np.save(tmp_path / "fortran.npy", np.asfortranarray(np.ones((4, 3))))
    with pytest.raises(ValueError, match="Fortran"):
        ArrayStream(tmp_path / "fortran.npy")
    np.save(tmp_path / "other.npy", np.zeros((5, 4)))
    with pytest.raises(ValueError, match="disagree on the sample shape"):
        ArrayStream([tmp_path / "ok.npy", tmp_path / "other.npy"])
    with pytest.raises(ValueError, match="directory"):
        ArrayStream([tmp_path])
    with pytest.raises(FileNotFoundError, match="no .npy files match"):
        ArrayStream(str(tmp_path / "nothing*.npy"))
    bad = good.copy()
    bad[7, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(ValueError, match="NaN"):
        ArrayStream(tmp_path / "nan.npy").feature_stats()
    with pytest.raises(ValueError, match="shuffle_buffer"):
        ArrayStream(tmp_path / "ok.npy", shuffle_buffer=0)
