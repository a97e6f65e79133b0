"""``aekit pretrain`` and ``aekit evaluate``: self-supervised pretraining and downstream probes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import common_options, main, parse_options, verbosity
from .types import RegistryChoice


@main.command()
@click.argument("data")
@click.option("--method", type=RegistryChoice("method"), default="simclr", show_default=True,
              help="Self-supervised method (pretext task or joint-embedding method).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Run folder to create: model/ (the backbone), report.html, loss and feature-map plots, metrics.")
@click.option("--backbone", type=RegistryChoice("backbone"), default=None,
              help="Backbone network (default: conv for images, mlp for tables, vit for mae/jepa).")
@click.option("--backbone-option", "backbone_options", multiple=True, metavar="KEY=VALUE",
              help="Backbone option, value as JSON (repeatable), e.g. --backbone-option out_features=128.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Method option, value as JSON (repeatable), e.g. --option temperature=0.2.")
@click.option("--input-shape", default=None, help="Shape of one sample, e.g. 1,28,28 (inferred when omitted).")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@common_options("limit")
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=2), default=128, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True)
@click.option("--scheduler", type=click.Choice(["none", "cosine", "step", "onecycle"]), default="none",
              show_default=True, help="Learning-rate schedule (no validation loss here, so no plateau).")
@click.option("--use-labels", is_flag=True,
              help="Give DATA's labels to a method that takes them (triplet): same label = positive pair.")
@common_options("seed", "device", "quiet", "verbose", "overwrite")
def pretrain(data, method, out, backbone, backbone_options, options, input_shape, split, limit, epochs, batch_size,
             lr, scheduler, use_labels, seed, device, quiet, verbose, overwrite) -> None:
    """Pretrain a backbone on DATA (labels unused unless --use-labels) with a self-supervised METHOD and save it
    in a run folder with its report (labels, when DATA has them, colour the feature map).

    Example:

    \b
        aekit pretrain fashion-mnist --method simclr --epochs 20 --out runs/simclr
    """
    from ..estimators import SelfSupervised
    from ..ssl.base import METHODS
    from .app import load_data_arg, parse_ints

    if use_labels and not getattr(METHODS[method], "uses_labels", False):
        labelled = [name for name in METHODS.names() if getattr(METHODS[name], "uses_labels", False)]
        raise click.BadParameter(f"method {method!r} takes no labels; methods that do: {labelled}",
                                 param_hint="--use-labels")
    bundle = load_data_arg(data, split, None, limit)
    if use_labels and bundle.y is None:
        raise click.BadParameter(f"{data!r} has no labels", param_hint="--use-labels")
    X = bundle.X
    y = bundle.y if use_labels else None
    shape = parse_ints(input_shape, "--input-shape")
    est = SelfSupervised(
        method=method, backbone=backbone, backbone_options=parse_options(backbone_options) or None,
        method_options=parse_options(options) or None, input_shape=tuple(shape) if shape else None,
        epochs=epochs, batch_size=batch_size, lr=lr, scheduler=None if scheduler == "none" else scheduler,
        device=device, random_state=seed,
        verbose=verbosity(quiet, verbose),
    )
    from ..data import DataBundle
    from ..runs.folders import folder_contents
    from ..runs.pretrain import pretrain_run

    shown = DataBundle(X, None if bundle.y is None else bundle.y[: len(X)], bundle.name)
    pretrain_run(shown, est, out, fit_labels=y, overwrite=overwrite)
    first, last = est.history_.records[0]["train_total"], est.history_.records[-1]["train_total"]
    width = est.transform(X[:1]).shape[1]
    click.echo(f"pretrained {method} on {bundle.name} ({len(X)} samples, {epochs} epochs): loss {first:.4f} -> "
               f"{last:.4f}; backbone ({width} features) saved to {out}/model/")
    click.echo(f"wrote {out}/: {folder_contents(out)}")


@main.command()
@click.argument("model")
@click.argument("data", required=False)
@click.option("--data", "data_option", default=None, hidden=True)  # the older spelling, still accepted
@click.option("--test-data", default=None, help="Held-out labelled data (default: the test split of a built-in "
              "data set, else a stratified 25% of --data).")
@click.option("--protocol", type=click.Choice(["linear", "knn", "finetune"]), default="linear", show_default=True,
              help="linear: logistic regression on frozen features; knn: cosine kNN (k=20, 200), weighted; "
                   "finetune: the backbone plus a linear layer trained on the labels (see --trainable).")
@click.option("--label-fraction", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Use this class-stratified share of the training labels (at least one per class), e.g. 0.01.")
@click.option("--finetune-epochs", type=click.IntRange(min=1), default=30, show_default=True,
              help="finetune: maximum epochs; a stratified 20% of the labeled rows picks the best one "
                   "(classes with one labeled row stay in training).")
@click.option("--trainable", type=click.Choice(["all", "head"]), default="all", show_default=True,
              help="finetune: train the whole network, or only the linear head on the frozen backbone.")
@click.option("--finetune-lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True,
              help="finetune: Adam's learning rate.")
@common_options("seed", "device", "quiet", "verbose", "overwrite")
@click.option("--label-column", default=None, help="CSV column holding labels (name or index).")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="Use only the first N rows of DATA's training part.")
@click.option("--temperature", type=click.FloatRange(min=0, min_open=True), default=0.07, show_default=True)
@click.option("--pool-grid", type=click.IntRange(min=0), default=None,
              help="Probe the backbone's last map average-pooled to this grid (conv/resnet/vit backbones); 0: its "
                   "output vector [default: the model's own readout, the map pooled to 3 x 3 for image backbones].")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the report (accuracy table, confusion matrix): a new folder, or a run folder to add "
                   "this evaluation to [default: MODEL itself when it is the run folder of `aekit pretrain`].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def evaluate(model, data, data_option, test_data, protocol, label_fraction, finetune_epochs, trainable, finetune_lr,
             seed, device, quiet, verbose, overwrite, label_column, limit, temperature, pool_grid, out, as_json) -> None:
    """Accuracy of MODEL's backbone on labelled DATA (a built-in name or a file with labels): its
    frozen features by a linear probe or kNN, or the backbone fine-tuned on (a fraction of) the
    labels. The result, with a confusion matrix, joins the report of MODEL's run folder (or of --out).

    Example:

    \b
        aekit evaluate runs/simclr fashion-mnist --protocol knn
        aekit evaluate runs/simclr fashion-mnist --protocol finetune --label-fraction 0.01
    """
    if data is not None and data_option is not None and data != data_option:
        raise ValueError("give the labelled data once: as DATA or as --data, not both")
    data = data or data_option
    if data is None:
        raise ValueError("evaluate needs labelled DATA: aekit evaluate MODEL DATA")
    from .app import load_data_arg
    from ..estimators import SelfSupervised
    from ..evaluation import finetune_probe, knn_probe, label_subset, linear_probe

    from ..runs.evaluation import refuse_existing_evaluation

    refuse_existing_evaluation(model, out, protocol, overwrite)  # before measuring, not after
    if label_column is not None and label_column.isdigit():
        label_column = int(label_column)
    est = SelfSupervised.load(model).set_params(device=device)
    if pool_grid is not None:
        est.set_params(pool_grid=pool_grid or None)
    train = load_data_arg(data, "train", label_column)
    if train.y is None:
        raise ValueError(f"--data {data!r} has no labels; evaluation needs labelled data (see --label-column)")
    Xtr, ytr = train.X, train.y
    if test_data is not None:
        test = load_data_arg(test_data, "test", label_column)
        Xte, yte = test.X, test.y
    elif data.strip().lower().replace("_", "-") == "fashion-mnist":
        test = load_data_arg(data, "test", label_column)
        Xte, yte = test.X, test.y
    else:
        from sklearn.model_selection import train_test_split

        Xtr, Xte, ytr, yte = train_test_split(Xtr, ytr, test_size=0.25, stratify=ytr, random_state=0)
    if yte is None:
        raise ValueError("the test data has no labels")
    if limit:
        Xtr, ytr = Xtr[:limit], ytr[:limit]
    if protocol == "finetune":
        if pool_grid is not None:
            raise click.UsageError("--pool-grid chooses the features of the linear and knn probes; finetune trains "
                                   "on the backbone's output")
        ft = finetune_probe(est, Xtr, ytr, Xte, yte, label_fraction=label_fraction, epochs=finetune_epochs,
                            trainable=trainable, lr=finetune_lr, seed=seed, device=device,
                            progress=verbosity(quiet, verbose))
        result = {"protocol": "finetune", **ft.as_dict(), "n_train": ft.n_train + ft.n_val, "n_test": int(len(yte)),
                  "feature_dim": int(est.backbone_.out_features)}
        _report_evaluation(model, out, data, result, yte, ft.predictions, as_json, extra={})
        return
    if label_fraction < 1:
        keep = label_subset(ytr, label_fraction, seed)
        Xtr, ytr = Xtr[keep], ytr[keep]
    ftr, fte = est.transform(Xtr), est.transform(Xte)
    if protocol == "linear":
        accuracy, predictions = linear_probe(ftr, ytr, fte, yte, return_predictions=True)
        result = {"protocol": "linear", "accuracy": accuracy}
    else:
        ks = tuple(k for k in (20, 200) if k <= len(ytr))
        accs, by_k = knn_probe(ftr, ytr, fte, yte, ks=ks, temperature=temperature, return_predictions=True)
        predictions = by_k[ks[0]]
        result = {"protocol": "knn", **{f"accuracy_k{k}": v for k, v in accs.items()}}
    result.update(n_train=int(len(ytr)), n_test=int(len(yte)), feature_dim=int(ftr.shape[1]))
    _report_evaluation(model, out, data, result, yte, predictions, as_json,
                       extra={"confusion_of": f"k={ks[0]}"} if protocol == "knn" else {})


def _report_evaluation(model, out, data, result, y_test, predictions, as_json, extra) -> None:
    """Print the result, store it with its confusion matrix in a run folder and rebuild that
    folder's report; say what was written (under --json: as "wrote" in the JSON)."""
    from ..runs.evaluation import record_evaluation

    params = {"model": str(model), "data": data}
    written = record_evaluation(model, out, {**result, "data": data, **extra}, y_test, predictions, params)
    if as_json:
        click.echo(json.dumps({**result, "wrote": [str(p) for p in written]}))
        return
    click.echo(", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    if written:
        click.echo(f"wrote {', '.join(str(p) for p in written)}")
    else:
        click.echo(f"{model} is not a run folder: pass --out DIR for a report")
