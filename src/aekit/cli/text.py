"""``aekit word2vec``, ``aekit masked-lm`` and ``aekit neighbors``: self-supervised learning on text."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import common_options, main, verbosity

# Words with clear neighbours in the built-in corpus (the Python documentation).
DEFAULT_PROBES = ("int", "list", "true", "read", "exception")


def _check_out(out: Path, overwrite: bool) -> None:
    """Fail before training, not after, when the output folder may not be written."""
    from .._files import check_target
    from ..runs.folders import RUN_FORMAT, RUN_MARKER

    check_target(out, overwrite, RUN_MARKER, RUN_FORMAT, "--out")


def _probes(est, show: str | None) -> list[str]:
    if show:
        return [w.strip().lower() for w in show.split(",") if w.strip()]
    words = [w for w in DEFAULT_PROBES if w in est.vocabulary_]
    if len(words) < 3:  # another corpus: words just past the most frequent (mostly function words)
        plain = est.vocabulary_.words[len(est.vocabulary_.specials):]
        words = plain[len(plain) // 20 :][:5]
    return words


def _print_neighbours(est, words: list[str], k: int) -> None:
    for word in words:
        neighbours = est.most_similar(word, k)
        click.echo(f"{word}: " + ", ".join(f"{w} ({s:.2f})" for w, s in neighbours))


def _common(f):
    options = [
        click.argument("text_file", required=False, type=click.Path(path_type=Path)),
        click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the model."),
        click.option("--epochs", type=click.IntRange(min=1), default=None, help="Passes over the corpus."),
        click.option("--min-count", type=click.IntRange(min=1), default=None, help="Rarer words are dropped."),
        click.option("--max-vocab", type=click.IntRange(min=1), default=None, help="Keep the most frequent N words."),
        click.option("--batch-size", type=click.IntRange(min=1), default=None),
        click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None),
    ]
    for option in reversed(options):
        f = option(f)
    return common_options("seed", "device", "quiet", "verbose", "overwrite")(f)


def _params(**given) -> dict:
    """Options the user gave; the estimator's own defaults apply to the rest."""
    return {k: v for k, v in given.items() if v is not None}


@main.command("word2vec")
@_common
@click.option("--mode", type=click.Choice(["skipgram", "cbow"]), default="skipgram", show_default=True)
@click.option("--dim", type=click.IntRange(min=1), default=100, show_default=True, help="Vector size.")
@click.option("--window", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--negatives", type=click.IntRange(min=1), default=5, show_default=True, help="Noise words per example.")
@click.option("--subsample", type=click.FloatRange(min=0), default=1e-3, show_default=True,
              help="Frequent-word subsampling threshold t (0: off).")
@click.option("--show", default=None, help="Comma-separated words whose nearest neighbours to print.")
def word2vec(text_file, out, epochs, min_count, max_vocab, batch_size, lr, seed, device, overwrite, quiet, verbose,
             mode, dim, window, negatives, subsample, show) -> None:
    """Learn word vectors from TEXT_FILE (skip-gram or CBOW), save them, print some neighbours.

    TEXT_FILE is a UTF-8 text file (documents split at blank lines); without it, the built-in
    corpus (the Python documentation topics that ship with Python, about 64,000 words).

    Example:

    \b
        aekit word2vec corpus.txt --dim 100 --epochs 5 --out runs/w2v --show python,list
    """
    from ..estimators import Word2Vec
    from ..runs.folders import folder_contents
    from ..runs.text import text_run

    _check_out(out, overwrite)
    est = Word2Vec(mode=mode, dim=dim, window=window, negatives=negatives, subsample=subsample, random_state=seed,
                   device=device, verbose=verbosity(quiet, verbose),
                   **_params(epochs=epochs, min_count=min_count, max_vocab=max_vocab, batch_size=batch_size, lr=lr))
    text_run(est, str(text_file) if text_file else "python-docs", out, kind="word2vec",
             probes=lambda fitted: _probes(fitted, show), overwrite=overwrite)
    curve = est.loss_curve_
    click.echo(f"trained {mode} on {est.n_tokens_:,} tokens ({len(est.vocabulary_):,} words, {est.epochs} epochs): "
               f"loss {curve[0]:.4f} -> {curve[-1]:.4f}; wrote {out}/: {folder_contents(out)}")
    _print_neighbours(est, _probes(est, show), 5)


@main.command("masked-lm")
@_common
@click.option("--encoder", type=click.Choice(["gru", "transformer"]), default="gru", show_default=True)
@click.option("--dim", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--heads", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--seq-len", type=click.IntRange(min=2), default=32, show_default=True, help="Tokens per chunk.")
@click.option("--validation-split", type=click.FloatRange(0, 0.5), default=0.1, show_default=True,
              help="Fraction of chunks held out for the accuracy report.")
@click.option("--json", "as_json", is_flag=True, help="Print the held-out evaluation as JSON.")
def masked_lm(text_file, out, epochs, min_count, max_vocab, batch_size, lr, seed, device, overwrite, quiet, verbose,
              encoder, dim, depth, heads, seq_len, validation_split, as_json) -> None:
    """Train a masked-token model on TEXT_FILE and report held-out accuracy against the unigram baseline.

    TEXT_FILE is a UTF-8 text file (documents split at blank lines); without it, the built-in
    corpus (the Python documentation topics that ship with Python, about 64,000 words).

    Example:

    \b
        aekit masked-lm corpus.txt --encoder transformer --epochs 5 --out runs/mlm
    """
    from ..estimators import MaskedTokenModel
    from ..runs.folders import folder_contents
    from ..runs.text import text_run

    _check_out(out, overwrite)
    est = MaskedTokenModel(encoder=encoder, dim=dim, depth=depth, heads=heads, seq_len=seq_len,
                           validation_split=validation_split, random_state=seed, device=device,
                           verbose=verbosity(quiet, verbose),
                           **_params(epochs=epochs, min_count=min_count, max_vocab=max_vocab, batch_size=batch_size,
                                     lr=lr))
    text_run(est, str(text_file) if text_file else "python-docs", out, kind="masked-lm",
             probes=lambda fitted: _probes(fitted, None), overwrite=overwrite)
    ev = est.evaluation_
    if as_json:
        click.echo(json.dumps(ev))
        return
    curve = est.loss_curve_
    click.echo(f"trained {encoder} on {len(est.vocabulary_):,} words ({est.epochs} epochs): loss {curve[0]:.4f} -> "
               f"{curve[-1]:.4f}; wrote {out}/: {folder_contents(out)}")
    if ev is not None:
        click.echo(f"held-out masked-token accuracy {ev['accuracy']:.4f} (at [MASK] {ev['mask_accuracy']:.4f}) vs "
                   f"unigram baseline {ev['baseline_accuracy']:.4f}; cross-entropy {ev['cross_entropy']:.3f} vs "
                   f"{ev['baseline_cross_entropy']:.3f} ({ev['n_predictions']} predictions)")


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("words", nargs=-1, required=True)
@click.option("-k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Neighbours per word.")
@click.option("--analogy", is_flag=True, help="Three words A B C: the words nearest to A - B + C.")
def neighbors(model, words, k, analogy) -> None:
    """Nearest neighbours (cosine) of WORDS in a saved word2vec or masked-lm MODEL folder.

    Example:

    \b
        aekit neighbors runs/w2v python list
        aekit neighbors runs/w2v --analogy king man woman
    """
    from ..estimators import load
    from ..estimators.text_base import TextEstimator

    est = load(model)
    if not isinstance(est, TextEstimator):
        raise ValueError(f"{str(model)!r} is not a text model (saved by `aekit word2vec` or `aekit masked-lm`)")
    words = [w.lower() for w in words]
    if analogy:
        if len(words) != 3:
            raise ValueError(f"--analogy takes three words A B C (A - B + C), got {len(words)}")
        result = est.analogy(*words, k=k)
        click.echo(f"{words[0]} - {words[1]} + {words[2]}: " + ", ".join(f"{w} ({s:.2f})" for w, s in result))
        return
    _print_neighbours(est, words, k)
