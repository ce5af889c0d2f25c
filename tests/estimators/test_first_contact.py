"""The mistakes of a first session get an error or a warning that names the fix."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import cross_val_score

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier
from sklearn_metalink.datasets import load_tox21

nan = np.nan
TASKS = ["NR-AR", "NR-AhR", "SR-p53"]


def small_data():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    Y = pd.DataFrame((X[:, :3] + 0.3 * rng.rand(40, 3) > 0.6).astype(float), columns=TASKS)
    return X, Y


@pytest.fixture(scope="module")
def fitted():
    X, Y = small_data()
    return MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)


def test_text_labels_are_refused_with_the_mapping_that_converts_them():
    X, Y = small_data()
    text = Y.astype(object).replace({1.0: "active", 0.0: "inactive"})
    text.iloc[3, 1] = ""
    expected = "y = y.replace({'active': 1, 'inactive': 0, '': np.nan}).astype(float)"
    with pytest.raises(ValueError, match="column 'NR-AR'") as error:
        MetaLinkClassifier().fit(X, text)
    assert expected in str(error.value)


def test_numbers_stored_as_text_are_refused_with_to_numeric():
    X, Y = small_data()
    text = Y.astype(int).astype(str)
    text.iloc[0, 2] = ""
    with pytest.raises(ValueError, match=r"stored as text .* y\.apply\(pd\.to_numeric"):
        MetaLinkClassifier().fit(X, text)


def test_text_labels_in_the_context_are_refused_naming_the_column(fitted):
    X, _ = small_data()
    context = pd.DataFrame([["active", nan, nan]], columns=TASKS)
    with pytest.raises(ValueError, match=r"Y holds text labels \['active'\] \(column 'NR-AR'\)"):
        fitted.predict_proba(X[:1], Y=context)


def test_one_dimensional_text_labels_still_make_a_binary_classifier():
    X, Y = small_data()
    y = np.where(Y["NR-AR"] == 1, "active", "inactive")
    clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["active", "inactive"]


@pytest.mark.parametrize("estimator", [MetaLinkClassifier(), TaskGraphClassifier()])
def test_smiles_without_a_featurizer_name_morgan_fingerprint_and_mpnn(estimator):
    smiles, Y = load_tox21(return_X_y=True)
    with pytest.raises(
        ValueError, match=r"X holds text such as 'CCOc1ccc2nc.*MorganFingerprint"
    ) as error:
        estimator.fit(smiles[:20], Y[:20])
    assert "MetaLinkClassifier(encoder='mpnn')" in str(error.value)


def test_smiles_in_a_dataframe_column_get_the_same_hint():
    smiles, Y = load_tox21(return_X_y=True)
    with pytest.raises(ValueError, match="MorganFingerprint"):
        MetaLinkClassifier().fit(pd.DataFrame({"smiles": smiles[:20]}), Y[:20])


def test_a_task_with_a_single_class_warns_naming_it():
    X, Y = small_data()
    Y["NR-AhR"] = np.where(np.isnan(Y["NR-AhR"]), nan, 0.0)
    with pytest.warns(UserWarning, match=r"one class only for task\(s\) 'NR-AhR' \(all 0\)"):
        MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0).fit(X, Y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this torch build has CUDA")
def test_cuda_device_on_a_cpu_build_names_the_fix():
    X, Y = small_data()
    with pytest.raises(
        ValueError, match=r"device='cuda', but this torch build .* Use device='cpu'"
    ):
        MetaLinkClassifier(device="cuda").fit(X, Y)


def test_reordered_context_columns_say_how_to_reorder(fitted):
    X, Y = small_data()
    reordered = Y[TASKS[::-1]]
    with pytest.raises(
        ValueError, match=r"in another order .* Reorder them with Y\[model\.task_names_\]"
    ):
        fitted.predict_proba(X, Y=reordered)
    np.testing.assert_array_equal(
        fitted.predict_proba(X, Y=reordered[fitted.task_names_]), fitted.predict_proba(X, Y=Y)
    )


def test_context_with_other_columns_lists_missing_and_unknown_ones_in_full(fitted):
    X, Y = small_data()
    other = Y.rename(columns={"SR-p53": "SR-p53 "})
    with pytest.raises(
        ValueError, match=r"missing \['SR-p53'\], not tasks of the model \['SR-p53 '\]"
    ):
        fitted.predict_proba(X, Y=other)


class ThreadRecordingEncoder(torch.nn.Module):
    """An MLP encoder that records torch's thread count at every forward pass."""

    seen = []

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 8)

    def forward(self, x):
        ThreadRecordingEncoder.seen.append(torch.get_num_threads())
        return self.linear(x)


def test_n_threads_applies_inside_fit_and_predict_only():
    X, Y = small_data()
    before = torch.get_num_threads()
    wanted = 2 if before != 2 else 1
    clf = MetaLinkClassifier(
        hidden=8, max_epochs=1, encoder=ThreadRecordingEncoder(), n_threads=wanted, random_state=0
    )
    ThreadRecordingEncoder.seen.clear()
    clf.fit(X, Y)
    clf.predict_proba(X)
    assert set(ThreadRecordingEncoder.seen) == {wanted}
    assert torch.get_num_threads() == before


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_stock_cross_validation_fails_inside_scikit_learn_as_the_docs_say():
    # sklearn checks y (type_of_target) before calling the estimator, so no code of ours can
    # improve this message; the model-selection guide quotes it and gives the fix.
    X, Y = small_data()
    Y.iloc[0, 0] = nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        cross_val_score(MetaLinkClassifier(), X, Y, cv=3)
