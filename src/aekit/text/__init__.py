"""Self-supervised learning on token sequences: a small text pipeline, word2vec, masked tokens.

- :mod:`~aekit.text.tokenize`, :mod:`~aekit.text.vocab`, :mod:`~aekit.text.corpus`: text to ids;
  the built-in corpus is the pydoc topics that CPython installs (works offline).
- :mod:`~aekit.text.sampling`: subsampling of frequent words and the unigram^0.75 noise.
- :mod:`~aekit.text.word2vec`, :mod:`~aekit.text.examples`, :mod:`~aekit.text.train`:
  skip-gram and CBOW with negative sampling, their data and optimizer for training.
- :mod:`~aekit.text.masked`, :mod:`~aekit.text.masked_train`: BERT-style masked-token prediction
  with a small encoder, its training data and its evaluation against the unigram baseline.
- :mod:`~aekit.text.fitting`: both train with :func:`aekit.training.fit`, the one training loop
  (its divergence error, devices, checkpoints); this module adapts their loss and schedules.
- :mod:`~aekit.text.query`: nearest neighbours and analogies; :mod:`~aekit.text.persist`: saving.

The scikit-learn-style estimators are :class:`aekit.Word2Vec` and :class:`aekit.MaskedTokenModel`.

Examples
--------
>>> from aekit.text import Vocabulary, read_documents, tokenize_documents
>>> docs = tokenize_documents(read_documents(["the cat sat", "the dog sat"]))
>>> Vocabulary.build(docs, min_count=2).words
['sat', 'the']
"""

from .corpus import DEFAULT_CORPUS, builtin_documents, read_documents, tokenize_documents
from .query import analogy, most_similar, similarity
from .sampling import keep_probabilities, noise_distribution, subsample
from .tokenize import TOKEN_PATTERN, tokenize
from .vocab import UnknownWordError, Vocabulary
from .word2vec import Word2VecModel, negative_sampling_loss

__all__ = [
    "DEFAULT_CORPUS",
    "TOKEN_PATTERN",
    "UnknownWordError",
    "Vocabulary",
    "Word2VecModel",
    "analogy",
    "builtin_documents",
    "keep_probabilities",
    "most_similar",
    "negative_sampling_loss",
    "noise_distribution",
    "read_documents",
    "similarity",
    "subsample",
    "tokenize",
    "tokenize_documents",
]
