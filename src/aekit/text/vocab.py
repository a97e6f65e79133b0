"""A vocabulary: words by decreasing count, with optional special tokens first.

Examples
--------
>>> v = Vocabulary.build([["a", "b", "a"], ["c", "a", "b"]], min_count=2)
>>> v.words, v.counts.tolist()
(['a', 'b'], [3, 2])
>>> v.encode(["b", "c", "a"]).tolist()   # "c" is below min_count: dropped
[1, 0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


class UnknownWordError(KeyError, ValueError):
    """A word that is not in the vocabulary (catchable as ``KeyError`` or ``ValueError``)."""

    def __str__(self) -> str:  # KeyError would print the repr of the message, quotes and all
        return str(self.args[0]) if self.args else ""


def _check_int(value: Any, name: str, low: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


class Vocabulary:
    """Words (specials first, then by decreasing count, ties alphabetical) and their counts.

    Parameters
    ----------
    words : sequence of str
        Unique words; their position is their id.
    counts : sequence of int
        Training-corpus count of each word (0 for special tokens).
    specials : sequence of str, default=()
        Special tokens such as ``"[PAD]"``; they must be the first entries of ``words``.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int], specials: Sequence[str] = ()) -> None:
        words, specials = list(words), list(specials)
        if len(words) != len(counts):
            raise ValueError(f"words and counts must have the same length, got {len(words)} and {len(counts)}")
        if len(set(words)) != len(words):
            raise ValueError("words must be unique")
        if words[: len(specials)] != specials:
            raise ValueError(f"the special tokens {specials} must come first in words")
        self.words = words
        self.counts = np.asarray(counts, dtype=np.int64)
        self.specials = specials
        self._index = {w: i for i, w in enumerate(words)}

    @classmethod
    def build(
        cls,
        documents: Iterable[Sequence[str]],
        min_count: int = 5,
        max_size: int | None = None,
        specials: Sequence[str] = (),
    ) -> "Vocabulary":
        """Count tokens of tokenized ``documents``; keep words seen ``min_count`` times or more,
        at most ``max_size`` of them (the most frequent; specials not counted)."""
        min_count = _check_int(min_count, "min_count", 1)
        if max_size is not None:
            max_size = _check_int(max_size, "max_size", 1)
        counter: Counter[str] = Counter()
        for doc in documents:
            counter.update(doc)
        for s in specials:
            counter.pop(s, None)  # a special token that occurs in the text is not a word
        # Sorting by (-count, word) makes ids reproducible regardless of the order of the text.
        kept = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
        kept = kept[:max_size] if max_size is not None else kept
        if not kept:
            seen = (f"{len(counter)} distinct words, the most frequent seen {max(counter.values())} times"
                    if counter else "no words")
            raise ValueError(f"no word occurs min_count={min_count} times or more (the corpus has {seen}); "
                             "lower min_count or give more text")
        return cls(list(specials) + [w for w, _ in kept], [0] * len(specials) + [c for _, c in kept], specials)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words, specials={self.specials})"

    def index(self, word: str) -> int:
        """The id of ``word``; :class:`UnknownWordError` (a ``KeyError``) names it when absent."""
        try:
            return self._index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(f"word {word!r} is not in the vocabulary ({len(self)} words, see .words)") from None

    def encode(self, tokens: Iterable[str], unknown: str | None = None) -> np.ndarray:
        """Ids of ``tokens``. Out-of-vocabulary tokens are dropped (word2vec's convention) or,
        when ``unknown`` names a word of the vocabulary (e.g. ``"[UNK]"``), mapped to it."""
        if unknown is None:
            ids = [self._index[t] for t in tokens if t in self._index]
        else:
            unk = self.index(unknown)
            ids = [self._index.get(t, unk) for t in tokens]
        return np.asarray(ids, dtype=np.int64)

    @property
    def frequencies(self) -> np.ndarray:
        """Relative counts (specials 0); they sum to 1."""
        return self.counts / max(int(self.counts.sum()), 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; :meth:`from_dict` reads it back."""
        return {"words": self.words, "counts": self.counts.tolist(), "specials": self.specials}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Vocabulary":
        try:
            return cls(data["words"], data["counts"], data.get("specials", ()))
        except (KeyError, TypeError) as err:
            raise ValueError(f"not a saved vocabulary (expected 'words' and 'counts' lists): {err}") from None
