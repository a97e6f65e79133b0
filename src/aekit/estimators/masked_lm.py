"""scikit-learn-style masked-token model: ``fit(corpus)`` trains a small encoder to fill in
hidden words; ``evaluation_`` compares it with the unigram baseline on held-out text."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..text.masked import ENCODERS, SPECIALS, UNK, MaskedTokenEncoder
from ..text.masked_train import chunk_tokens, evaluate_masked, train_masked
from ..text.vocab import Vocabulary
from .text_base import TextEstimator


class MaskedTokenModel(TextEstimator):
    """BERT-style masked-token prediction on fixed-length chunks of a corpus.

    15% of the word positions are chosen (``mask_prob``); of those 80% become ``[MASK]``, 10% a
    random word, 10% stay; the loss is the cross-entropy at the chosen positions only.

    Parameters
    ----------
    encoder : {"gru", "transformer"}, default="gru"
        A bidirectional GRU (with a residual connection), or a pre-norm ``nn.TransformerEncoder``
        with learned positions. The GRU is the default because on small corpora it learns to use
        the context much sooner: on the built-in corpus (20 epochs) it beat the unigram baseline at
        ``[MASK]`` positions and the transformer did not (``benchmarks/word2vec.py``).
    dim, depth, heads : int, default=64, 2, 4
        Hidden size, layers, attention heads (transformer).
    seq_len : int, default=32
        Tokens per chunk.
    dropout : float, default=0.1
    min_count : int, default=2
        Words seen fewer times in the training chunks become ``[UNK]``.
    max_vocab : int or None, default=None
    mask_prob : float, default=0.15
    epochs : int, default=20
    batch_size : int, default=32
    lr : float, default=2e-3
        AdamW's initial learning rate (cosine decay to zero).
    weight_decay : float, default=0.01
    validation_split : float, default=0.1
        Fraction of the chunks held out (chosen at random) for ``evaluation_``; 0 for none.
    device : str, default="auto"
    random_state : int or None, default=0
    verbose : bool, default=False

    Attributes
    ----------
    vocabulary_ : aekit.text.Vocabulary
        ``[PAD]``, ``[UNK]``, ``[MASK]``, then the words of the training chunks.
    model_ : aekit.text.masked.MaskedTokenEncoder
    vectors : ndarray (n_words, dim)
        The token embeddings (tied to the output layer), queryable like word2vec's.
    loss_curve_ : list of float
    evaluation_ : dict or None
        On the held-out chunks (each masked 5 times with fixed seeds): ``accuracy``,
        ``mask_accuracy`` (positions shown as ``[MASK]`` only), ``baseline_accuracy`` (always the
        most frequent training word), ``cross_entropy``, ``baseline_cross_entropy`` (unigram,
        add-one smoothed), ``n_predictions``.

    Examples
    --------
    >>> import aekit
    >>> from aekit.text import read_documents
    >>> mlm = aekit.MaskedTokenModel(epochs=1).fit(read_documents()[:10])  # or all of "python-docs"
    >>> sorted(mlm.evaluation_)[:2]
    ['accuracy', 'baseline_accuracy']
    """

    kind = "masked_token"

    # dim must also be even (GRU) or divisible by heads (transformer): MaskedTokenEncoder checks
    # that when fit builds it.
    _parameter_constraints: dict = {
        **TextEstimator._parameter_constraints,
        "encoder": [StrOptions(set(ENCODERS))],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "heads": [Interval(Integral, 1, None, closed="left")],
        "seq_len": [Interval(Integral, 2, None, closed="left")],
        "dropout": [Interval(Real, 0, 0.9, closed="both")],
        "mask_prob": [Interval(Real, 0, 1, closed="right")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "validation_split": [Interval(Real, 0, 0.5, closed="both")],
    }

    def __init__(
        self,
        encoder: str = "gru",
        dim: int = 64,
        depth: int = 2,
        heads: int = 4,
        seq_len: int = 32,
        dropout: float = 0.1,
        min_count: int = 2,
        max_vocab: int | None = None,
        mask_prob: float = 0.15,
        epochs: int = 20,
        batch_size: int = 32,
        lr: float = 2e-3,
        weight_decay: float = 0.01,
        validation_split: float = 0.1,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: bool = False,
    ) -> None:
        self.encoder = encoder
        self.dim = dim
        self.depth = depth
        self.heads = heads
        self.seq_len = seq_len
        self.dropout = dropout
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.mask_prob = mask_prob
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_split = validation_split
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build(self, vocab: Vocabulary) -> MaskedTokenEncoder:
        return MaskedTokenEncoder(len(vocab), self.seq_len, self.dim, self.depth, self.heads, self.encoder,
                                  self.dropout)

    def _encode(self, chunks: list[list[str]]) -> torch.Tensor:
        return torch.as_tensor(np.stack([self.vocabulary_.encode(c, unknown=UNK) for c in chunks]))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X="python-docs", y=None) -> "MaskedTokenModel":
        """Train on a corpus (path, "python-docs", or list of str) and score the held-out chunks.

        Trains with :func:`aekit.training.fit` (see :mod:`aekit.text.masked_train`); a NaN or
        infinite loss raises :class:`aekit.training.TrainingDivergedError` (lower ``lr``). The
        settings are checked first against ``_parameter_constraints``; an invalid one raises
        scikit-learn's ``InvalidParameterError``, a ``ValueError`` that names it.
        """
        chunks = chunk_tokens(self._documents(X), self.seq_len)
        n_val = int(round(len(chunks) * self.validation_split))
        if self.validation_split > 0:
            n_val = max(n_val, 1)
        if len(chunks) - n_val < 1:
            held = " and hold out validation_split" if n_val else ""
            raise ValueError(f"the corpus gives {len(chunks)} chunk(s) of seq_len={self.seq_len} tokens, too few to "
                             f"train{held}; give more text or lower seq_len")
        seed = self._seed()
        order = np.random.default_rng(seed).permutation(len(chunks))
        train = [chunks[i] for i in order[n_val:]]
        held_out = [chunks[i] for i in order[:n_val]]
        # The vocabulary comes from the training chunks only: held-out words stay unseen.
        self.vocabulary_ = Vocabulary.build(train, self.min_count, self.max_vocab, specials=SPECIALS)
        if seed is not None:
            torch.manual_seed(seed)
        self.model_ = self._build(self.vocabulary_)
        log = (lambda epoch, loss: print(f"epoch {epoch + 1}/{self.epochs}: loss {loss:.4f}")) if self.verbose else None
        self.loss_curve_ = train_masked(
            self.model_, self._encode(train), epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
            weight_decay=self.weight_decay, mask_prob=self.mask_prob, seed=seed,
            device=self._device(), on_epoch=log,
        )
        self.model_.cpu()
        self.evaluation_ = self._evaluate(held_out) if held_out else None
        return self

    def _evaluate(self, chunks: list[list[str]]) -> dict[str, float]:
        # Five maskings of the same chunks: five times the predictions, so less noise from little text.
        return evaluate_masked(self.model_, self._encode(chunks), self.vocabulary_.counts, mask_prob=self.mask_prob,
                               repeats=5)

    def evaluate(self, X) -> dict[str, float]:
        """Masked-token accuracy and cross-entropy on new text, beside the unigram baseline
        (see ``evaluation_``); the masks are drawn with a fixed seed."""
        check_is_fitted(self, "model_")
        chunks = chunk_tokens(self._documents(X), self.seq_len)
        if not chunks:
            raise ValueError(f"the text has fewer than seq_len={self.seq_len} tokens; give more text")
        return self._evaluate(chunks)

    @property
    def vectors(self) -> np.ndarray:
        """Token embeddings (n_words, dim), row i for ``vocabulary_.words[i]`` (specials first)."""
        check_is_fitted(self, "model_")
        return self.model_.tokens.weight.detach().cpu().numpy()

    def _state_json(self) -> dict:
        return {"evaluation": self.evaluation_}

    def _load_state_json(self, state: dict) -> None:
        self.evaluation_ = state.get("evaluation")
