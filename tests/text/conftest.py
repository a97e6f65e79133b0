"""Text fixtures: a slice of the built-in corpus, one torch thread (tiny models on a shared machine)."""

import pytest

from aekit.text import builtin_documents, tokenize


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


def _slice(n_tokens: int) -> list[str]:
    docs, total = [], 0
    for doc in builtin_documents():
        docs.append(doc)
        total += len(tokenize(doc))
        if total >= n_tokens:
            break
    return docs


@pytest.fixture(scope="session")
def docs_slice():
    """The first built-in documents, about 25,000 word tokens of the Python documentation."""
    return _slice(25_000)
