import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sklearn_metalink.datasets import (
    get_data_home,
    load_muv,
    load_sider,
    load_tox21,
    load_toxcast,
    load_yeast,
)


def test_tox21_has_7831_molecules_12_tasks_and_17_percent_unknown():
    tox21 = load_tox21()

    assert tox21.data.shape == (7831,) and tox21.data.dtype == object
    assert tox21.target.shape == (7831, 12) and tox21.target.dtype == np.float64
    assert np.isnan(tox21.target).mean() == pytest.approx(0.1705, abs=1e-4)
    assert set(np.unique(tox21.target[~np.isnan(tox21.target)])) == {0.0, 1.0}
    assert tox21.target_names[0] == "NR-AR"
    assert tox21.frame is None
    assert "Tox21" in tox21.DESCR


def test_toxcast_has_8576_molecules_and_617_float_tasks():
    X, Y = load_toxcast(return_X_y=True)

    assert X.shape == (8576,)
    assert Y.shape == (8576, 617)
    assert np.isnan(Y).mean() == pytest.approx(0.7102, abs=1e-4)
    assert set(np.unique(Y[~np.isnan(Y)])) == {0.0, 1.0}


def test_as_frame_returns_smiles_series_and_task_dataframe():
    tox21 = load_tox21(as_frame=True)

    assert isinstance(tox21.data, pd.Series) and tox21.data.name == "smiles"
    assert isinstance(tox21.target, pd.DataFrame)
    assert list(tox21.target.columns) == list(tox21.target_names)
    assert tox21.frame.shape == (7831, 13)


def test_return_x_y_with_as_frame_returns_pandas_objects():
    X, Y = load_tox21(return_X_y=True, as_frame=True)

    assert isinstance(X, pd.Series) and isinstance(Y, pd.DataFrame)


def test_get_data_home_prefers_argument_then_environment_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLEARN_METALINK_DATA", str(tmp_path / "from_env"))

    assert get_data_home(tmp_path / "given") == tmp_path / "given"
    assert get_data_home() == tmp_path / "from_env"
    monkeypatch.delenv("SKLEARN_METALINK_DATA")
    assert get_data_home().name == "sklearn_metalink_data"
    assert not get_data_home().as_posix().startswith("~")


@pytest.mark.parametrize(
    "loader, filename",
    [(load_sider, "sider.csv.gz"), (load_muv, "muv.csv.gz"), (load_yeast, "yeast.csv.gz")],
)
def test_missing_file_error_says_which_file_to_put_where(loader, filename, tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        loader(data_home=tmp_path)

    assert str(tmp_path / filename) in str(error.value)
    assert f"Put {filename} there" in str(error.value)


def test_sider_reads_task_names_with_quoted_commas(shared_data):
    sider = load_sider(data_home=shared_data)

    assert sider.target.shape == (1427, 27)
    assert "Injury, poisoning and procedural complications" in sider.target_names
    assert not np.isnan(sider.target).any()


def test_data_home_comes_from_the_environment_variable(shared_data, tmp_path, monkeypatch):
    shutil.copy(shared_data / "sider.csv.gz", tmp_path)
    monkeypatch.setenv("SKLEARN_METALINK_DATA", str(tmp_path))

    assert load_sider(return_X_y=True)[1].shape == (1427, 27)


def test_muv_has_93087_molecules_and_17_tasks(shared_data):
    X, Y = load_muv(data_home=shared_data, return_X_y=True)

    assert X.shape == (93087,)
    assert Y.shape == (93087, 17)


def test_yeast_splits_103_features_from_14_labels(shared_data):
    yeast = load_yeast(data_home=shared_data)

    assert yeast.data.shape == (2417, 103) and yeast.data.dtype == np.float64
    assert yeast.target.shape == (2417, 14)
    assert yeast.feature_names[-1] == "Att103" and yeast.target_names[0] == "Class1"
    assert yeast.target.sum(axis=1).mean() == pytest.approx(4.237, abs=1e-3)


def test_yeast_as_frame_has_feature_and_label_dataframes(shared_data):
    data, target = load_yeast(data_home=shared_data, return_X_y=True, as_frame=True)

    assert list(data.columns[:2]) == ["Att1", "Att2"]
    assert list(target.columns[-1:]) == ["Class14"]


def test_bundled_files_are_the_shared_files_byte_for_byte(shared_data):
    bundled = resources.files("sklearn_metalink.datasets") / "data"
    for name in ("tox21.csv.gz", "toxcast.csv.gz"):
        assert (bundled / name).read_bytes() == (shared_data / name).read_bytes()
