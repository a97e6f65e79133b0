"""`aekit word2vec`, `aekit masked-lm`, `aekit neighbors`: outputs and one-line errors."""

import json

import pytest
from click.testing import CliRunner

from aekit.cli import main


@pytest.fixture()
def text_file(tmp_path, docs_slice):
    path = tmp_path / "corpus.txt"
    path.write_text("\n\n".join(docs_slice[:25]), encoding="utf-8")
    return path


def _run(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_word2vec_then_neighbors(tmp_path, text_file):
    out = tmp_path / "w2v"
    code, text = _run(["word2vec", text_file, "--out", out, "--epochs", 1, "--dim", 16, "--mode", "cbow", "--quiet",
                       "--show", "the,function"])
    assert code == 0, text
    assert "trained cbow on" in text and text.count("\n") == 3
    assert text.splitlines()[1].startswith("the: ") and text.splitlines()[2].startswith("function: ")
    code, text = _run(["neighbors", out, "The", "-k", 3])
    assert code == 0 and text.startswith("the: ") and text.count("(") == 3, text
    code, text = _run(["neighbors", out, "the", "a", "an", "--analogy", "-k", 2])
    assert code == 0 and text.startswith("the - a + an: "), text
    # errors: one line, exit status 2
    for args, message in [
        (["neighbors", out, "zzyzx"], "word 'zzyzx' is not in the vocabulary"),
        (["neighbors", out, "the", "a", "--analogy"], "--analogy takes three words"),
        (["neighbors", tmp_path / "missing", "the"], "does not exist"),
        (["word2vec", text_file, "--out", out], "already exists"),
        (["word2vec", tmp_path / "nope.txt", "--out", tmp_path / "x"], "corpus file"),
    ]:
        code, text = _run(args)
        assert code == 2 and text.startswith("aekit: error: ") and message in text and text.count("\n") == 1, text


def test_empty_corpus_is_one_line(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("1 2 3\n\n--- ...\n")
    for command in ("word2vec", "masked-lm"):
        code, text = _run([command, empty, "--out", tmp_path / command])
        assert code == 2 and "the corpus is empty" in text and text.count("\n") == 1, text
        assert not (tmp_path / command).exists()


@pytest.mark.slow
def test_masked_lm_reports_accuracy_against_the_baseline(tmp_path, text_file):
    out = tmp_path / "mlm"
    args = ["masked-lm", text_file, "--out", out, "--epochs", 1, "--dim", 16, "--depth", 1, "--heads", 2,
            "--seq-len", 16, "--quiet"]
    code, text = _run(args + ["--json"])
    assert code == 0, text
    result = json.loads(text)
    assert {"accuracy", "baseline_accuracy", "cross_entropy", "baseline_cross_entropy"} <= set(result)
    code, text = _run(["neighbors", out, "the", "-k", 4])
    assert code == 0 and text.count("(") == 4 and "[MASK]" not in text, text
    code, text = _run(args + ["--overwrite"])
    assert code == 0 and "held-out masked-token accuracy" in text and "vs unigram baseline" in text, text


def test_neighbors_refuses_a_model_that_is_not_a_text_model(tmp_path):
    import aekit

    ae = aekit.Autoencoder(recipe="linear", latent_dim=2, epochs=1, device="cpu").fit([[0.0, 1.0, 2.0]] * 8)
    ae.save(tmp_path / "ae")
    code, text = _run(["neighbors", tmp_path / "ae", "the"])
    assert code == 2 and "is not a text model" in text, text


def test_word2vec_writes_a_run_folder_with_a_report(tmp_path, text_file):
    import aekit

    out = tmp_path / "w2v"
    code, text = _run(["word2vec", text_file, "--out", out, "--epochs", 2, "--dim", 8, "--quiet", "--show", "the"])
    assert code == 0, text
    assert f"wrote {out}/:" in text and "report.html" in text and "model/" in text
    page = (out / "report.html").read_text()
    assert page.index('id="headline"') < page.index('id="losses"') < page.index('id="neighbours"') \
        < page.index('id="overview"')
    neighbours = json.loads((out / "neighbours.json").read_text())
    assert list(neighbours) == ["the"] and len(neighbours["the"]) == 5
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "word2vec" and summary["epochs_trained"] == 2
    assert isinstance(aekit.load(out), aekit.Word2Vec)  # the run folder loads like its model/
    code, text = _run(["report", out])
    assert code == 0 and "report.html" in text, text
