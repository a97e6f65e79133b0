"""Where text comes from: a file the user names, a list of strings, or the built-in corpus.

The built-in corpus is the text of the Python language reference and library topics that
CPython installs as ``pydoc_data/topics.py`` (what ``help("for")`` prints): about 64,000 word
tokens of English technical prose in 79 topics, present wherever Python's standard library is,
so examples, tests and the CLI run offline with nothing to download. Its words are those of
programming ("int", "float", "tuple", "exception"), which is what the benchmark's related
pairs are chosen from. Some distributions strip ``pydoc_data``; there the built-in corpus raises
a clear error and a text file must be given.

Examples
--------
>>> docs = read_documents(["First text.", "Second text."])
>>> len(docs)
2
>>> docs = read_documents()          # the built-in corpus: one document per pydoc topic
>>> len(docs) > 50
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from .tokenize import tokenize

DEFAULT_CORPUS = "python-docs"


def builtin_documents() -> list[str]:
    """The pydoc topics of the running Python, one document per topic, in a fixed (sorted) order."""
    try:
        from pydoc_data.topics import topics
    except ImportError:  # pragma: no cover - depends on how Python was packaged
        raise FileNotFoundError(
            f"the built-in corpus {DEFAULT_CORPUS!r} needs the standard library's pydoc_data package, which this "
            "Python lacks; give a text file instead"
        ) from None
    return [topics[k] for k in sorted(topics)]


def read_documents(source: str | os.PathLike | Sequence[str] | None = None) -> list[str]:
    """Texts to learn from.

    Parameters
    ----------
    source : path, list of str, or None
        None or ``"python-docs"``: the built-in corpus. A path: a UTF-8 text file, split into
        documents at blank lines (paragraphs), so that context windows do not run across them.
        A list or tuple of strings: the documents themselves.

    Returns
    -------
    list of str
    """
    if source is None or (isinstance(source, str) and source == DEFAULT_CORPUS):
        return builtin_documents()
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"corpus file {str(path)!r} does not exist (give a text file, {DEFAULT_CORPUS!r} for the built-in "
                "corpus, or a list of strings)"
            )
        if path.is_dir():
            raise ValueError(f"corpus {str(path)!r} is a folder; give a text file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            where = f"{err.reason} at byte {err.start}"
            raise ValueError(f"corpus file {str(path)!r} is not UTF-8 text ({where})") from None
        return [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if isinstance(source, Sequence) and all(isinstance(t, str) for t in source):
        return list(source)
    raise TypeError(
        f"corpus must be a file path, {DEFAULT_CORPUS!r}, or a list of strings, got {type(source).__name__}"
        + (" holding non-strings" if isinstance(source, Sequence) else "")
    )


def tokenize_documents(documents: Sequence[str], pattern: str | None = None) -> list[list[str]]:
    """Tokenize every document; raise a clear error when there is no word at all."""
    docs = [tokenize(d, pattern) for d in documents]
    if not any(docs):
        raise ValueError(f"the corpus is empty: its {len(documents)} document(s) hold no word tokens")
    return docs
