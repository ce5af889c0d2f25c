"""The sklearn-metalink command line on small CSV files of the bundled Tox21 data."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_metalink.cli import main
from sklearn_metalink.datasets import load_tox21

COMMAND = Path(sys.executable).parent / "sklearn-metalink"
SMALL_MODEL = ["--epochs", "3", "--hidden", "16", "--n-bits", "256", "--n-threads", "1"]


@pytest.fixture(scope="module")
def tox21():
    return load_tox21(as_frame=True).frame


@pytest.fixture(scope="module")
def csv_files(tox21, tmp_path_factory):
    """A training CSV of 300 molecules, and 5 new molecules with two assays known."""
    folder = tmp_path_factory.mktemp("cli")
    tox21.iloc[:300].to_csv(folder / "train.csv", index=False)
    new = tox21.iloc[300:305][["smiles", "NR-AR", "SR-p53"]].copy()
    new["NR-AR"], new["SR-p53"] = [1, 0, np.nan, 1, 0], [0, 1, 1, np.nan, 0]
    new.insert(0, "id", [f"mol-{i}" for i in range(5)])
    new.to_csv(folder / "new.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def model_path(csv_files):
    path = csv_files / "model.safetensors"
    args = ["train", "-i", str(csv_files / "train.csv"), "-o", str(path), "-q", *SMALL_MODEL]
    assert main(args) == 0
    return path


def run(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env)


def test_train_predict_info_through_the_installed_command(csv_files, tox21, tmp_path):
    model, preds = tmp_path / "tox21.safetensors", tmp_path / "preds.csv"
    trained = run("train", "-i", str(csv_files / "train.csv"), "-o", str(model), *SMALL_MODEL)
    assert trained.returncode == 0, trained.stderr
    assert "300 rows x 12 tasks" in trained.stderr

    predicted = run(
        "predict", "-i", str(csv_files / "new.csv"), "--model-path", str(model), "-o", str(preds)
    )
    assert predicted.returncode == 0, predicted.stderr
    assert "as context: NR-AR, SR-p53" in predicted.stderr
    out = pd.read_csv(preds)
    tasks = list(tox21.columns[1:])
    assert list(out.columns) == ["id", "smiles", *tasks]
    assert list(out["smiles"]) == list(tox21["smiles"].iloc[300:305])
    assert ((out[tasks] > 0) & (out[tasks] < 1)).all().all()

    info = run("info", str(model))
    assert info.returncode == 0, info.stderr
    assert "MorganFingerprint -> MetaLinkClassifier" in info.stdout
    assert "12: NR-AR, NR-AR-LBD" in info.stdout


def test_an_error_is_one_line_on_stderr_and_exit_status_1(tmp_path):
    result = run("info", str(tmp_path / "missing.safetensors"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("sklearn-metalink info: error: [Errno 2] No such file")


def predict(csv, model_path, out, *options):
    return main(["predict", "-i", str(csv), "--model-path", str(model_path), "-o", str(out), "-q",
                 *options])  # fmt: skip


def test_predict_uses_the_known_labels_in_the_csv(csv_files, model_path, tmp_path):
    with_labels, without = tmp_path / "with.csv", tmp_path / "without.csv"
    assert predict(csv_files / "new.csv", model_path, with_labels) == 0
    assert predict(csv_files / "new.csv", model_path, without, "--no-context") == 0
    difference = pd.read_csv(with_labels)["NR-AhR"] - pd.read_csv(without)["NR-AhR"]
    assert (difference.abs() > 1e-6).any()


def test_predict_with_context_columns_ignores_the_other_task_columns(
    csv_files, model_path, tmp_path
):
    pd.read_csv(csv_files / "new.csv").drop(columns="SR-p53").to_csv(
        tmp_path / "only_ar.csv", index=False
    )
    chosen, only = tmp_path / "chosen.csv", tmp_path / "only.csv"
    assert predict(csv_files / "new.csv", model_path, chosen, "--context-columns", "NR-AR") == 0
    assert predict(tmp_path / "only_ar.csv", model_path, only) == 0
    pd.testing.assert_frame_equal(pd.read_csv(chosen), pd.read_csv(only))


def test_predict_refuses_a_context_column_that_is_not_a_task(
    csv_files, model_path, tmp_path, capsys
):
    status = predict(
        csv_files / "new.csv", model_path, tmp_path / "p.csv", "--context-columns", "id"
    )
    assert status == 1
    assert "--context-columns ['id'] are not tasks of" in capsys.readouterr().err


def test_evaluate_prints_one_row_per_fold_and_the_mean(csv_files, capsys):
    status = main(
        ["evaluate", "-i", str(csv_files / "train.csv"), "--folds", "2", "-q", *SMALL_MODEL]
    )
    assert status == 0
    table = capsys.readouterr().out.splitlines()
    assert table[2].startswith("| fold | test rows | ROC-AUC, no context | ROC-AUC, context |")
    assert [line.split(" |")[0] for line in table[4:]] == ["| 1", "| 2", "| mean ± sd"]


def test_text_labels_in_the_csv_are_refused_naming_the_column(tmp_path, capsys):
    path = tmp_path / "text.csv"
    path.write_text("smiles,assay\nCCO,active\nCCN,inactive\nCCC,\n")
    status = main(["train", "-i", str(path), "-o", str(tmp_path / "m.safetensors"), "-q"])
    assert status == 1
    assert "column 'assay' of" in capsys.readouterr().err


def test_a_missing_column_is_named_with_the_columns_of_the_file(csv_files, tmp_path, capsys):
    status = main(
        [
            "train",
            "-i",
            str(csv_files / "train.csv"),
            "-o",
            str(tmp_path / "m"),
            "--target-columns",
            "NR-XX",
            "-q",
        ]
    )
    assert status == 1
    assert (
        "has no column(s) ['NR-XX']; its columns are ['smiles', 'NR-AR'," in capsys.readouterr().err
    )


def test_train_distributed_writes_a_distributed_model_from_process_0(csv_files, tmp_path):
    pytest.importorskip("accelerate")
    from sklearn_metalink import DistributedMetaLinkClassifier
    from sklearn_metalink.persistence import load_model

    path = tmp_path / "m.safetensors"
    args = ["train", "-i", str(csv_files / "train.csv"), "-o", str(path), "-q", "--distributed"]
    assert main([*args, *SMALL_MODEL]) == 0
    assert type(load_model(path)[-1]) is DistributedMetaLinkClassifier


def test_train_distributed_writes_nothing_from_the_other_processes(
    csv_files, tmp_path, monkeypatch
):
    pytest.importorskip("accelerate")
    monkeypatch.setenv("RANK", "1")  # as a launcher sets it; no process group: trains alone
    path = tmp_path / "m.safetensors"
    args = ["train", "-i", str(csv_files / "train.csv"), "-o", str(path), "-q", "--distributed"]
    assert main([*args, *SMALL_MODEL]) == 0
    assert not path.exists()
