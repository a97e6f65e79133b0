"""scikit-learn-style word2vec: ``fit(corpus)`` learns word vectors; query them by cosine."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..text.sampling import keep_probabilities, noise_distribution
from ..text.train import train_word2vec
from ..text.vocab import Vocabulary
from ..text.word2vec import MODES, Word2VecModel
from .text_base import TextEstimator


class Word2Vec(TextEstimator):
    """Word vectors by skip-gram or CBOW with negative sampling (Mikolov et al. 2013).

    Parameters
    ----------
    mode : {"skipgram", "cbow"}, default="skipgram"
        Skip-gram predicts each context word from the centre word; CBOW predicts the centre
        word from the mean of its context (faster, smoother for frequent words).
    dim : int, default=100
        Size of the word vectors.
    window : int, default=5
        Largest distance between a centre and a context word; each position draws its own
        window from 1..window, so near words count more.
    negatives : int, default=5
        Noise words per example, drawn from ``count ** noise_power``.
    epochs : int, default=5
        Passes over the corpus.
    min_count : int, default=5
        Words seen fewer times are dropped from the text.
    max_vocab : int or None, default=None
        Keep at most this many (the most frequent) words.
    subsample : float, default=1e-3
        Threshold t of frequent-word subsampling (keep probability ``sqrt(t / f)``); 0 disables.
    noise_power : float, default=0.75
        Exponent of the noise distribution.
    batch_size : int, default=1024
        Examples per Adam step.
    lr : float, default=0.01
        Adam's initial learning rate, decayed linearly to zero.
    sparse : bool, default=True
        Sparse embedding gradients with ``SparseAdam``, which updates only the rows of a batch;
        False: dense gradients and Adam, which updates every row at every step. Measured
        (``benchmarks/word2vec.py``): about the same time on the built-in corpus (1,317 words),
        SparseAdam about 7x faster per step with 50,000 words.
    device : str, default="auto"
    random_state : int or None, default=0
    verbose : bool, default=False
        Print the loss of each epoch.

    Attributes
    ----------
    vocabulary_ : aekit.text.Vocabulary
    model_ : aekit.text.Word2VecModel
    vectors : ndarray (n_words, dim)
        The input vectors, one row per word of ``vocabulary_.words``.
    loss_curve_ : list of float
        Mean loss of each epoch.
    n_tokens_ : int
        Tokens of the corpus that are in the vocabulary (before subsampling).

    Examples
    --------
    >>> import aekit
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"]
    >>> w2v = aekit.Word2Vec(dim=8, epochs=1, min_count=1, subsample=0).fit(docs)  # tiny text: keep every word
    >>> w2v.vocabulary_.words, w2v.vectors.shape
    (['the', 'on', 'sat', 'cat', 'dog', 'log', 'mat'], (7, 8))

    On the built-in corpus (five epochs: a few seconds):

    >>> w2v = aekit.Word2Vec(mode="skipgram", dim=32).fit("python-docs")  # doctest: +SKIP
    >>> [word for word, cosine in w2v.most_similar("true", k=3)]  # doctest: +SKIP
    ['false', 'isupper', 'cased']
    """

    kind = "word2vec"

    _parameter_constraints: dict = {
        **TextEstimator._parameter_constraints,
        "mode": [StrOptions(set(MODES))],
        "window": [Interval(Integral, 1, None, closed="left")],
        "negatives": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0, None, closed="left")],
        "noise_power": [Interval(Real, 0, None, closed="left")],
        "sparse": ["boolean"],
    }

    def __init__(
        self,
        mode: str = "skipgram",
        dim: int = 100,
        window: int = 5,
        negatives: int = 5,
        epochs: int = 5,
        min_count: int = 5,
        max_vocab: int | None = None,
        subsample: float = 1e-3,
        noise_power: float = 0.75,
        batch_size: int = 1024,
        lr: float = 0.01,
        sparse: bool = True,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: bool = False,
    ) -> None:
        self.mode = mode
        self.dim = dim
        self.window = window
        self.negatives = negatives
        self.epochs = epochs
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.subsample = subsample
        self.noise_power = noise_power
        self.batch_size = batch_size
        self.lr = lr
        self.sparse = sparse
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build(self, vocab: Vocabulary) -> Word2VecModel:
        return Word2VecModel(len(vocab), self.dim, self.mode, sparse=bool(self.sparse))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X="python-docs", y=None) -> "Word2Vec":
        """Learn word vectors from a corpus.

        Parameters
        ----------
        X : path, "python-docs", or list of str
            A UTF-8 text file (documents split at blank lines), the built-in corpus, or the
            documents themselves.
        y : ignored

        Trains with :func:`aekit.training.fit` (see :mod:`aekit.text.train`); a NaN or infinite
        loss raises :class:`aekit.training.TrainingDivergedError` (lower ``lr``). The settings
        are checked first against ``_parameter_constraints``; an invalid one raises
        scikit-learn's ``InvalidParameterError``, a ``ValueError`` that names it.
        """
        documents = self._documents(X)
        vocab = Vocabulary.build(documents, self.min_count, self.max_vocab)
        encoded = [vocab.encode(d) for d in documents]
        encoded = [e for e in encoded if len(e) > 1]  # a lone word has no context
        if not encoded:
            raise ValueError("the corpus has no document with two or more vocabulary words; give more text")
        seed = self._seed()
        if seed is not None:
            torch.manual_seed(seed)
        self.vocabulary_ = vocab
        self.n_tokens_ = int(sum(len(e) for e in encoded))
        self.model_ = self._build(vocab)
        log = (lambda epoch, loss: print(f"epoch {epoch + 1}/{self.epochs}: loss {loss:.4f}")) if self.verbose else None
        self.loss_curve_ = train_word2vec(
            self.model_, encoded, keep_probabilities(vocab.counts, self.subsample),
            noise_distribution(vocab.counts, self.noise_power), window=self.window, negatives=self.negatives,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, seed=seed,
            device=self._device(), on_epoch=log,
        )
        self.model_.cpu()
        return self

    @property
    def vectors(self) -> np.ndarray:
        """Word vectors (n_words, dim): the input embeddings, row i for ``vocabulary_.words[i]``."""
        check_is_fitted(self, "model_")
        return self.model_.input.weight.detach().cpu().numpy()

    def _state_json(self) -> dict:
        return {"n_tokens": self.n_tokens_}

    def _load_state_json(self, state: dict) -> None:
        self.n_tokens_ = int(state.get("n_tokens", 0))
