"""The argparse parser of ``sklearn-metalink``: four subcommands, chemprop's option names."""

import argparse

FEATURES = ("morgan", "morgan-counts", "atom-pair", "torsion", "maccs", "mpnn", "columns")
MODELS = ("metalink", "task-graph")


def build_parser():
    """The ``sklearn-metalink`` parser; each subcommand sets ``command``."""
    parser = argparse.ArgumentParser(
        prog="sklearn-metalink",
        description=(
            "Relational multi-task learning on CSV files: one row per molecule, one column per "
            "task (assay), 0/1 labels and empty cells for unknown."
        ),
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(commands)
    _add_predict(commands)
    _add_evaluate(commands)
    _add_info(commands)
    return parser


def _add_train(commands):
    train = commands.add_parser(
        "train",
        help="fit a model on a CSV and write a model file",
        description="Fit a model on a CSV of molecules and labels and write a model file.",
    )
    _add_data_options(train)
    _add_model_options(train)
    train.add_argument(
        "-o", "--model-path", required=True, help="model file to write (.safetensors)"
    )
    train.add_argument(
        "--distributed",
        action="store_true",
        help="train MetaLink data-parallel across the processes of an `accelerate launch` or "
        "`torchrun` launch (DistributedMetaLinkClassifier); process 0 writes the model",
    )


def _add_predict(commands):
    predict = commands.add_parser(
        "predict",
        help="write the probability of each task for the molecules of a CSV",
        description=(
            "Predict every task of a model for the rows of a CSV. Task columns present in the "
            "CSV are read as known labels (empty = unknown) and used as context."
        ),
    )
    predict.add_argument("-i", "--test-path", required=True, help="CSV of the rows to predict")
    predict.add_argument("--model-path", required=True, help="model file written by train")
    predict.add_argument(
        "-o",
        "--preds-path",
        required=True,
        help="CSV to write: the rows' other columns, then one probability column per task",
    )
    predict.add_argument(
        "-s",
        "--smiles-columns",
        nargs=1,
        metavar="COLUMN",
        help="SMILES column of the CSV (default: the column the model was trained on)",
    )
    context = predict.add_mutually_exclusive_group()
    context.add_argument(
        "--context-columns",
        nargs="+",
        metavar="TASK",
        help="use only these task columns of the CSV as known labels",
    )
    context.add_argument("--no-context", action="store_true", help="ignore task columns in the CSV")
    _add_runtime_options(predict)


def _add_evaluate(commands):
    evaluate = commands.add_parser(
        "evaluate",
        help="relational cross-validation on a CSV, printed as a table",
        description=(
            "Cross-validate the model of train's options: in each test fold, part of the known "
            "labels are hidden and predicted, with and without the others as context."
        ),
    )
    _add_data_options(evaluate)
    _add_model_options(evaluate)
    evaluate.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    evaluate.add_argument(
        "--split",
        choices=("scaffold", "random"),
        default="scaffold",
        help="how test rows are grouped: by Bemis-Murcko scaffold (default) or at random",
    )
    evaluate.add_argument(
        "--visible-ratio",
        type=float,
        default=0.5,
        help="share of the known labels of a test row shown as context (default 0.5)",
    )


def _add_info(commands):
    info = commands.add_parser(
        "info",
        help="print what a model file holds",
        description="Print a model file's model, tasks, parameters and the versions that wrote it.",
    )
    info.add_argument("model_path", help="model file")


def _add_data_options(command):
    data = command.add_argument_group("data")
    data.add_argument("-i", "--data-path", required=True, help="CSV with a header row")
    data.add_argument(
        "-s",
        "--smiles-columns",
        nargs=1,
        metavar="COLUMN",
        help="SMILES column (default: the first column, unless --feature-columns is given)",
    )
    data.add_argument(
        "--target-columns",
        nargs="+",
        metavar="TASK",
        help="task columns (default: every column that is not SMILES, feature or ignored)",
    )
    data.add_argument(
        "--feature-columns",
        nargs="+",
        metavar="COLUMN",
        help="numeric feature columns, for --features columns",
    )
    data.add_argument(
        "--ignore-columns",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="columns that are neither SMILES, features nor tasks (e.g. an identifier)",
    )


def _add_model_options(command):
    model = command.add_argument_group("model")
    model.add_argument(
        "--features",
        choices=FEATURES,
        default="morgan",
        help="molecule features: fingerprints of the SMILES (default morgan, ECFP4), a "
        "message-passing net on the molecular graph (mpnn), or the --feature-columns",
    )
    model.add_argument("--radius", type=int, default=2, help="Morgan radius (default 2)")
    model.add_argument("--n-bits", type=int, default=2048, help="fingerprint length (default 2048)")
    model.add_argument(
        "--model",
        choices=MODELS,
        default="metalink",
        help="MetaLinkClassifier (default) or TaskGraphClassifier",
    )
    model.add_argument("--hidden", type=int, default=256, help="hidden width (default 256)")
    model.add_argument("--epochs", type=int, default=40, help="maximum epochs (default 40)")
    model.add_argument("--batch-size", type=int, default=128, help="rows per step (default 128)")
    model.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    model.add_argument(
        "--task-nodes",
        choices=("learned", "shared"),
        default="learned",
        help="MetaLink task nodes; shared allows binding new tasks later (default learned)",
    )
    model.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    _add_runtime_options(model)


def _add_runtime_options(group):
    group.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines or epoch table"
    )
    group.add_argument(
        "--n-threads",
        type=int,
        default=None,
        help="torch threads while fitting and predicting (default: torch's choice; 1 is "
        "often fastest for these models on a busy machine)",
    )
