"""What ``train``, ``predict`` and ``evaluate`` do with CSV files and model files.

Each command takes the parsed arguments and ``progress``, a function that reports a stage
on stderr (silent with ``--quiet``); results go to files (train, predict) or to stdout
(evaluate).
"""

import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline, make_pipeline

from ..chem import (
    AtomPairFingerprint,
    MACCSKeys,
    MolecularGraphFeaturizer,
    MorganFingerprint,
    ScaffoldKFold,
    TopologicalTorsionFingerprint,
    murcko_scaffold,
)
from ..chem._molecules import MoleculeTransformer
from ..estimators import (
    DistributedMetaLinkClassifier,
    MetaLinkClassifier,
    TaskGraphClassifier,
)
from ..model_selection import RelationalKFold
from ..persistence import load_model, save_model
from ._info import file_size


@dataclass
class Columns:
    """The roles of a CSV's columns: one SMILES column or feature columns, and the tasks."""

    smiles: str | None
    features: list
    targets: list

    def inputs(self):
        return self.features if self.features else [self.smiles]


def train(args, progress):
    if not _main_process():
        progress = _silent  # the other processes of a launch train, process 0 reports
    frame = read_csv(args.data_path, progress)
    columns = data_columns(frame, args)
    model = build_model(args, columns)
    X, Y = frame[columns.inputs()], labels(frame, columns.targets, args.data_path)
    progress(
        f"training {_estimator(model).__class__.__name__} ({args.features} features) on "
        f"{len(frame)} rows x {len(columns.targets)} tasks, up to {args.epochs} epochs"
    )
    start = time.perf_counter()
    with _epoch_table_on_stderr():
        model.fit(X, Y)
    epochs = len(_estimator(model).net_.history)
    progress(f"trained in {time.perf_counter() - start:.1f} s ({epochs} epochs)")
    _estimator(model).set_params(verbose=0)  # the epoch table was for this run only
    if not _main_process():
        return
    path = save_model(model, args.model_path)
    progress(f"wrote {path} ({file_size(path.stat().st_size)})")


def predict(args, progress):
    model = load_model(args.model_path)
    estimator = _estimator(model)
    if args.n_threads is not None:
        estimator.set_params(n_threads=args.n_threads)
    frame = read_csv(args.test_path, progress)
    inputs = model_input_columns(model, args.smiles_columns, args.model_path)
    _require_columns(frame, inputs, args.test_path)
    tasks = list(estimator.task_names_)
    known = context_columns(frame, tasks, args)
    context = pd.DataFrame(np.nan, index=frame.index, columns=tasks)
    if known:
        context[known] = labels(frame, [str(task) for task in known], args.test_path).to_numpy()
    progress(
        f"predicting {len(tasks)} tasks for {len(frame)} rows, with the known labels of "
        f"{len(known)} task(s) as context" + (f": {', '.join(map(str, known))}" if known else "")
    )
    P = model.predict_proba(frame[inputs], Y=context)
    if estimator._single_output:
        P = P[:, 1:]
    numeric_inputs = [] if reads_smiles(model) else inputs
    task_columns = {str(task) for task in tasks}
    kept = [c for c in frame.columns if c not in task_columns and c not in numeric_inputs]
    out = pd.concat([frame[kept], pd.DataFrame(P, index=frame.index, columns=tasks)], axis=1)
    out.to_csv(args.preds_path, index=False)
    progress(f"wrote {args.preds_path}")


def evaluate(args, progress):
    frame = read_csv(args.data_path, progress)
    columns = data_columns(frame, args)
    model = build_model(args, columns)
    X, Y = frame[columns.inputs()], labels(frame, columns.targets, args.data_path)
    rows, groups = _row_splitter(args, columns, frame)
    with_context = RelationalKFold(
        rows, visible_ratio=args.visible_ratio, random_state=args.random_state
    )
    without = RelationalKFold(rows, visible_ratio=0.0, random_state=args.random_state)
    scorers = {
        "ROC-AUC, no context": without.scorer("roc_auc"),
        "ROC-AUC, context": with_context.scorer("roc_auc"),
        "PR-AUC, no context": without.scorer("average_precision"),
        "PR-AUC, context": with_context.scorer("average_precision"),
    }
    results = []
    for fold, (train_rows, test_rows) in enumerate(with_context.split(X, Y, groups), start=1):
        progress(f"fold {fold}/{args.folds}: fitting on {len(train_rows)} rows")
        with _epoch_table_on_stderr():
            fitted = clone(model).fit(X.iloc[train_rows], Y.iloc[train_rows])
        X_test, Y_test = X.iloc[test_rows], Y.iloc[test_rows]
        scores = {name: scorer(fitted, X_test, Y_test) for name, scorer in scorers.items()}
        results.append({"test rows": len(test_rows), **scores})
    print(
        f"Relational {args.folds}-fold cross-validation ({args.split} folds) of "
        f"{_estimator(model).__class__.__name__} on {args.features} features: {len(frame)} rows "
        f"x {len(columns.targets)} tasks. Scores are macro over tasks, on hidden known labels "
        f"of the test rows: 'no context' hides all of them, 'context' shows each with "
        f"probability {args.visible_ratio:g} and predicts the rest.\n"
    )
    print(results_table(results))


# --- data --------------------------------------------------------------------------------


def read_csv(path, progress):
    frame = pd.read_csv(path)
    if frame.empty:
        raise ValueError(f"{path} has no data rows")
    progress(f"read {path}: {len(frame)} rows, {len(frame.columns)} columns")
    return frame


def data_columns(frame, args):
    """Which columns of the training CSV are SMILES, features and tasks."""
    features = list(args.feature_columns or [])
    if features and args.features != "columns":
        raise ValueError("--feature-columns are read with --features columns")
    if args.features == "columns" and not features:
        raise ValueError("--features columns needs --feature-columns: the numeric columns to use")
    if args.smiles_columns:
        smiles = args.smiles_columns[0]
    else:
        smiles = None if features else frame.columns[0]
    named = ([smiles] if smiles else []) + features + list(args.ignore_columns)
    targets = list(args.target_columns or [c for c in frame.columns if c not in named])
    _require_columns(frame, named + targets, args.data_path)
    if not targets:
        raise ValueError(f"{args.data_path} has no task column besides {named}")
    return Columns(smiles, features, targets)


def labels(frame, columns, path):
    """The task columns of a CSV as 0/1/NaN, refusing text with the fix in CSV terms."""
    for column in columns:
        if frame[column].dtype.kind not in "biuf":
            found = sorted(map(str, frame[column].dropna().unique()))[:5]
            raise ValueError(
                f"column {column!r} of {path} holds {found}, not labels: write 1 for active, "
                "0 for inactive and leave unknown cells empty"
            )
    return frame[columns]


def _require_columns(frame, columns, path):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} has no column(s) {missing}; its columns are {list(frame.columns)}"
        )


def model_input_columns(model, smiles_columns, model_path):
    """The CSV columns a loaded model reads: its fit-time column names, or --smiles-columns."""
    if smiles_columns:
        if not reads_smiles(model):
            raise ValueError(
                f"{model_path} reads numeric feature columns, not SMILES: drop --smiles-columns"
            )
        return [smiles_columns[0]]
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise ValueError(
            f"{model_path} was fitted without column names; name the SMILES column with "
            "--smiles-columns"
        )
    return [str(name) for name in names]


def reads_smiles(model):
    if isinstance(model, Pipeline):
        return isinstance(model[0], MoleculeTransformer)
    return model.get_params().get("encoder") == "mpnn"


def context_columns(frame, tasks, args):
    """The tasks whose labels in the CSV are used as context, in the model's task order."""
    by_name = {str(task): task for task in tasks}
    if args.no_context:
        return []
    if args.context_columns is None:
        return [task for task in tasks if str(task) in frame.columns]
    unknown = [c for c in args.context_columns if c not in by_name]
    if unknown:
        raise ValueError(
            f"--context-columns {unknown} are not tasks of {args.model_path}; its tasks are "
            f"{list(by_name)}"
        )
    _require_columns(frame, args.context_columns, args.test_path)
    chosen = set(args.context_columns)
    return [task for task in tasks if str(task) in chosen]


# --- models ------------------------------------------------------------------------------


def build_model(args, columns):
    """The estimator, behind a featurizer for SMILES, from train's and evaluate's options."""
    classifier = _classifier(args)
    if args.features == "columns":
        return classifier
    if args.features == "mpnn":
        # Graphs built here accept the molecules that fail only RDKit's valence check.
        return make_pipeline(MolecularGraphFeaturizer(invalid="partial"), classifier)
    return make_pipeline(_fingerprint(args), classifier)


def _classifier(args):
    common = dict(
        hidden=args.hidden,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        verbose=0 if args.quiet else 1,
        random_state=args.random_state,
        n_threads=args.n_threads,
    )
    if args.model == "task-graph":
        if getattr(args, "distributed", False):
            raise ValueError("--distributed trains --model metalink only")
        if args.features == "mpnn":
            raise ValueError("--features mpnn needs --model metalink")
        if args.task_nodes != "learned":
            raise ValueError("--task-nodes is an option of --model metalink")
        return TaskGraphClassifier(**common)
    encoder = "mpnn" if args.features == "mpnn" else "mlp"
    classifier = (
        DistributedMetaLinkClassifier if getattr(args, "distributed", False)
        else MetaLinkClassifier
    )
    return classifier(encoder=encoder, task_nodes=args.task_nodes, **common)


def _main_process():
    """Whether this is process 0 of a launch (``accelerate launch`` and ``torchrun`` set
    RANK), or no launch at all."""
    return int(os.environ.get("RANK", "0")) == 0


def _silent(message):
    pass


def _fingerprint(args):
    # "partial": molecules that fail only RDKit's valence check (e.g. Tox21's [AlH3] salts)
    # are kept, as chemprop keeps them; any other invalid SMILES stops with its row.
    if args.features in ("morgan", "morgan-counts"):
        return MorganFingerprint(
            radius=args.radius,
            n_bits=args.n_bits,
            counts=args.features == "morgan-counts",
            invalid="partial",
        )
    if args.features == "atom-pair":
        return AtomPairFingerprint(n_bits=args.n_bits, invalid="partial")
    if args.features == "torsion":
        return TopologicalTorsionFingerprint(n_bits=args.n_bits, invalid="partial")
    return MACCSKeys(invalid="partial")


def _estimator(model):
    return model[-1] if isinstance(model, Pipeline) else model


@contextlib.contextmanager
def _epoch_table_on_stderr():
    """skorch prints its epoch table to stdout; stdout is for results."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _row_splitter(args, columns, frame):
    if args.split == "random":
        return KFold(args.folds, shuffle=True, random_state=args.random_state), None
    if columns.smiles is None:
        raise ValueError(
            "--split scaffold groups rows by the scaffold of their SMILES: name the SMILES "
            "column with --smiles-columns, or use --split random"
        )
    splitter = ScaffoldKFold(args.folds, shuffle=True, random_state=args.random_state)
    return splitter, [murcko_scaffold(s) for s in frame[columns.smiles]]


# --- printing ----------------------------------------------------------------------------


def results_table(results):
    """A Markdown table: one row per fold, then the mean ± standard deviation."""
    names = list(results[0])
    lines = ["| fold | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for fold, row in enumerate(results, start=1):
        cells = [str(row["test rows"])] + [f"{row[name]:.3f}" for name in names[1:]]
        lines.append(f"| {fold} | " + " | ".join(cells) + " |")
    summary = [str(sum(row["test rows"] for row in results))]
    for name in names[1:]:
        values = np.array([row[name] for row in results], dtype=float)
        summary.append(f"{np.nanmean(values):.3f} ± {np.nanstd(values):.3f}")
    lines.append("| mean ± sd | " + " | ".join(summary) + " |")
    return "\n".join(lines)


COMMANDS = {"train": train, "predict": predict, "evaluate": evaluate}
