"""Word tokens: lower-cased runs of letters, kept whole across an inner apostrophe ("don't").

A regular expression, not a learned tokenizer: word2vec and the small masked-token model work on
whole words, and a fixed rule makes the vocabulary reproducible from the text alone.

Examples
--------
>>> tokenize("The int() and float() types; don't mix them up!")
['the', 'int', 'and', 'float', 'types', "don't", 'mix', 'them', 'up']
"""

from __future__ import annotations

import re

# Letters in any script ([^\W\d_] is "a word character that is neither a digit nor an underscore"),
# optionally joined by apostrophes. Digits and underscores split words: "__init__" -> "init",
# "utf8" -> "utf", so identifiers in technical text share tokens with the prose around them.
TOKEN_PATTERN = r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def tokenize(text: str, pattern: str | re.Pattern | None = None) -> list[str]:
    """Split ``text`` into lower-case word tokens.

    Parameters
    ----------
    text : str
        Any text.
    pattern : str or compiled regex, optional
        The token pattern (default :data:`TOKEN_PATTERN`); every non-overlapping match is a token.

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokenize("Hello, World")
    ['hello', 'world']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    regex = _TOKEN_RE if pattern is None else re.compile(pattern)
    # Curly apostrophes are normalised so that "don’t" and "don't" are one token.
    return [t.replace("\u2019", "'") for t in regex.findall(text.lower())]
