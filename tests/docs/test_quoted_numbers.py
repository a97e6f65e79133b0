"""Measured numbers quoted in README.md and docs/*.md are the ones in the results files.

RESULTS.md, BENCHMARKS.md and docs/results/*.md hold the measured tables; the README and the
docs pages quote some of their numbers. When a benchmark is rerun and its table changes, a quote
left behind is stale. This test finds every number in the quoting pages that looks measured (a
decimal with at least two decimal places, such as ``0.00635``, ``83.29`` or ``1.75x``, or a
decimal in scientific notation such as ``2.76e-05``) and requires the same literal number to occur
in a results file. A quote that rounds a result (``0.0097`` for ``0.00973``) does not count: quote
the number as the table has it.

Numbers that are not results (parameters, example arguments, one-off measurements that no table
holds) are listed in ``ALLOWED`` by page, each with the reason; an entry that no longer occurs on
its page fails the test, so the list cannot outlive its reasons.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RESULT_FILES = ["RESULTS.md", "BENCHMARKS.md", "docs/results/*.md"]
QUOTING_FILES = ["README.md", "docs/*.md"]  # docs/*.md does not descend into docs/results/

# A number as written: digits with optional thousands separators, any number of ".digits" groups
# (so that a version such as 2.13.0 is one token and never read as the decimal 2.13 or 13.0), an
# optional exponent. It must not continue a word or another number ("fp32", "v0.1", "x1.5"); a
# unit or an "x" may follow it ("1.75x", "0.5GB").
_NUMBER = re.compile(r"""(?<![\w.])                  # not inside a word or another number
                         (?:\d{1,3}(?:,\d{3})+|\d+)   # 1,610 or 1610
                         (?:\.\d+)*                   # .25, or .13.0 of a version
                         (?:[eE][-+]?\d+)?             # an exponent""", re.VERBOSE)
_MEASURED = re.compile(r"[\d,]+\.(\d+)([eE][-+]?\d+)?")
_URL = re.compile(r"https?://\S+")

# (page, number): why the number is not a result to be found in the results files.
ALLOWED = {
    ("docs/applications.md", "0.972"): "printed output of the page's own digits snippet, shown as printed",
    ("docs/applications.md", "0.954"): "printed output of the page's own digits snippet, shown as printed",
    ("docs/autoencoders.md", "0.0063"): "PCA's own error with 128 components: a floor computed by PCA, in no table",
    ("docs/autoencoders.md", "0.0030"): "PCA's own error with 256 components: a floor computed by PCA, in no table",
    ("docs/autoencoders.md", "0.0021"): "PCA's own error with 320 components: a floor computed by PCA, in no table",
    ("docs/performance.md", "4.5e-3"): "a parameter: the learning rate of the fashion-mnist-best preset",
    ("docs/performance.md", "0.14"): "one-off timing of the aminmax input check (range 0.14-0.34 s), no results table",
    ("docs/performance.md", "0.34"): "one-off timing of the aminmax input check (range 0.14-0.34 s), no results table",
    ("docs/performance.md", "1.04"): "one-off before/after timing of the inference changes, no results table",
    ("docs/performance.md", "2.84"): "one-off before/after timing of the inference changes, no results table",
    ("docs/reports.md", "0.91"): "example argument in a code snippet (add_probe_results)",
    ("docs/reports.md", "0.84"): "example argument in a code snippet (add_probe_results)",
    ("docs/self_supervised.md", "0.99"): "a parameter default: BYOL momentum=0.99",
    ("docs/self_supervised.md", "0.04"): "a parameter default: DINO teacher_temp=0.04",
    ("docs/self_supervised.md", "0.996"): "a parameter default: I-JEPA momentum=0.996",
    ("docs/sequences.md", "0.037"): "noise floor of the series in tests/models/test_sequence_recipes.py, no benchmark",
    ("docs/text.md", "0.099"): "one-off embedding-init comparison, stated on the page as not part of the benchmark",
    ("docs/text.md", "0.135"): "one-off embedding-init comparison, stated on the page as not part of the benchmark",
}


def numbers(text: str) -> list[tuple[str, int]]:
    """Every number written in ``text`` (URLs left out) with its line number."""
    text = _URL.sub(lambda m: " " * len(m.group(0)), text)
    return [(m.group(0), text.count("\n", 0, m.start()) + 1) for m in _NUMBER.finditer(text)]


def is_measured(token: str) -> bool:
    """A decimal with 2+ decimal places, or a decimal in scientific notation; not a version."""
    m = _MEASURED.fullmatch(token)
    return m is not None and (len(m.group(1)) >= 2 or m.group(2) is not None)


def _files(patterns: list[str]) -> list[Path]:
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def result_numbers() -> set[str]:
    found = set()
    for path in _files(RESULT_FILES):
        found.update(token for token, _ in numbers(path.read_text(encoding="utf-8")))
    return found


def unsourced(page: str, text: str, results: set[str], allowed=ALLOWED) -> list[str]:
    """The measured numbers on ``page`` that no results file holds and ``allowed`` does not excuse."""
    return [f"{page}:{line}: {token}" for token, line in numbers(text)
            if is_measured(token) and token not in results and (page, token) not in allowed]


def _quoting_pages() -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in _files(QUOTING_FILES)]


@pytest.fixture(scope="module")
def results():
    found = result_numbers()
    assert len(found) > 500, "the results files were not found or hold almost no numbers"
    return found


@pytest.mark.parametrize("page", _quoting_pages())
def test_quoted_numbers_are_in_the_results_files(page, results):
    missing = unsourced(page, (ROOT / page).read_text(encoding="utf-8"), results)
    assert not missing, (
        "measured-looking numbers that occur in no results file (RESULTS.md, BENCHMARKS.md, "
        "docs/results/*.md): quote the number as the results table has it, or add the number to "
        "ALLOWED with the reason it is not a result:\n  " + "\n  ".join(missing))


def test_allow_list_entries_still_occur():
    stale = [f"{page}: {token}" for page, token in ALLOWED
             if token not in {t for t, _ in numbers((ROOT / page).read_text(encoding="utf-8"))}]
    assert not stale, "ALLOWED lists numbers that its pages no longer quote:\n  " + "\n  ".join(stale)


def test_the_pages_quote_results():
    # the README and the docs quote results, so the check has something to check
    assert "README.md" in _quoting_pages() and "docs/applications.md" in _quoting_pages()
    text = (ROOT / "docs/applications.md").read_text(encoding="utf-8")
    assert sum(is_measured(token) for token, _ in numbers(text)) >= 10


def test_tokens_and_what_counts_as_measured():
    text = "torch 2.13.0, fp32, MSE 0.00635 in 9.7 s, 1.75x faster, p 2.76e-05, lr 3e-3, 1,610.25 MB"
    assert [t for t, _ in numbers(text)] == ["2.13.0", "0.00635", "9.7", "1.75", "2.76e-05", "3e-3", "1,610.25"]
    assert [t for t, _ in numbers(text) if is_measured(t)] == ["0.00635", "1.75", "2.76e-05", "1,610.25"]
    assert numbers("see https://arxiv.org/abs/1312.6114 and v0.1.25") == []


def test_an_invented_number_is_flagged(results):
    page = "docs/applications.md"
    text = (ROOT / page).read_text(encoding="utf-8")
    assert unsourced(page, text, results) == []
    invented = text + "\nThe detector reaches a mean AUROC of 97.31 on fold B.\n"
    assert unsourced(page, invented, results) == [f"{page}:{text.count(chr(10)) + 2}: 97.31"]
    # a rounded quote of a result is flagged too: a 5-decimal result whose 4-decimal rounding
    # no results file holds (e.g. 0.00635 in BENCHMARKS.md)
    exact, rounded = next((r, f"{float(r):.4f}") for r in sorted(results)
                          if re.fullmatch(r"0\.\d{5}", r) and f"{float(r):.4f}" not in results)
    assert unsourced(page, f"test MSE {rounded}", results) == [f"{page}:1: {rounded}"], exact
    # an allow-list entry excuses its number on its own page only
    assert unsourced("docs/reports.md", "0.91", results) == []
    assert unsourced("README.md", "0.91", results) == ["README.md:1: 0.91"]
