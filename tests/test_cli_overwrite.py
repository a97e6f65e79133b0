"""Nothing that exists is replaced without --overwrite: every output path of every command is tried
against a file (or folder) of the user's, which must come out untouched."""

import pytest
from click.testing import CliRunner

from aekit.cli import main

FAST = ["--epochs", "1", "--limit", "120", "--quiet"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Tiny trained models the commands that read one need."""
    root = tmp_path_factory.mktemp("runs")
    commands = {
        "ae": ["train", "digits", "--latent-dim", "2", *FAST],
        "vae": ["train", "digits", "--recipe", "vae", "--latent-dim", "2", *FAST],
        "restore": ["restore", "digits", "--task", "denoise", "--latent-dim", "4", *FAST],
        "ssl": ["pretrain", "digits", "--method", "rotation", *FAST],
    }
    for name, args in commands.items():
        result = CliRunner().invoke(main, [*args, "--out", str(root / name)])
        assert result.exit_code == 0, result.output
    return root


def _cases():
    """(command line with {out} and {runs}, kind of output: a file or a folder)."""
    return [
        ("train digits --out {out} --epochs 1 --limit 50 --quiet", "folder"),
        ("demo --out {out} --epochs 1 --quiet", "folder"),
        ("detect digits --out {out}.csv --epochs 1 --limit 50 --quiet", "file"),
        ("detect digits --out {spare}.csv --run-dir {out} --epochs 1 --limit 50 --quiet", "folder"),
        ("detect-series digits --out {out}.csv --window 4 --epochs 1 --limit 50 --quiet", "file"),
        ("encode {runs}/ae digits --out {out}.npy", "file"),
        ("reconstruct {runs}/ae digits --out {out}.npy", "file"),
        ("reconstruct {runs}/ae digits --out {spare}.npy --grid {out}.png", "file"),
        ("restore digits --task denoise --out {out} --epochs 1 --limit 50 --quiet", "folder"),
        ("restore-images {runs}/restore digits --out {out}.npy --limit 5", "file"),
        ("pretrain digits --method rotation --out {out} --epochs 1 --limit 50 --quiet", "folder"),
        ("evaluate {runs}/ssl digits --out {out} --limit 100", "folder"),
        ("generate {runs}/vae --out {out}.png", "file"),
        ("interpolate {runs}/vae digits --out {out}.png", "file"),
        ("report {runs}/ae --out {out}.html", "file"),
        ("explore {runs}/ae --out {out}.html", "file"),
        ("export {runs}/ae --out {out}.pt2", "file"),
        ("word2vec --out {out} --epochs 1 --quiet", "folder"),
        ("masked-lm --out {out} --epochs 1 --quiet", "folder"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("line", "kind"), _cases(), ids=[c[0].split()[0] + str(i) for i, c in enumerate(_cases())])
def test_an_existing_output_is_never_replaced_without_overwrite(runs, tmp_path, line, kind):
    out = tmp_path / "mine"
    args = line.format(out=out, runs=runs, spare=tmp_path / "spare").split()
    target = next(a for a in args if a.startswith(str(out)))
    target = type(out)(target)
    if kind == "folder":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    else:
        target.write_text("mine")
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0, result.output
    assert "exist" in result.output, result.output  # the refusal says why
    kept = target / "notes.txt" if kind == "folder" else target
    assert kept.read_text() == "mine"
    if kind == "folder":
        assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_evaluating_again_replaces_a_result_only_with_overwrite(runs, tmp_path):
    out = tmp_path / "eval"
    args = ["evaluate", str(runs / "ssl"), "digits", "--out", str(out), "--limit", "100"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = (out / "evaluation.json").read_text()
    again = CliRunner().invoke(main, [*args, "--limit", "80"])
    assert again.exit_code == 2 and "already holds a 'linear' result" in again.output
    assert (out / "evaluation.json").read_text() == before
    assert CliRunner().invoke(main, [*args, "--limit", "80", "--overwrite"]).exit_code == 0
    assert (out / "evaluation.json").read_text() != before


def test_every_command_with_an_output_is_tried_above():
    tried = {case[0].split()[0] for case in _cases()}
    writers = {name for name, command in main.commands.items()
               if any(p.name in ("out", "grid", "run_dir") for p in command.params)}
    assert writers <= tried, writers - tried
