"""Bad input gets a clear error naming the argument and what was expected."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_metalink import MetaLinkClassifier

nan = np.nan


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    Y = (X[:, :3] > 0.5).astype(float)
    return MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)


def small_data():
    rng = np.random.RandomState(0)
    return rng.rand(30, 4), (rng.rand(30, 3) > 0.5).astype(float)


def test_labels_other_than_zero_one_nan_name_the_cell():
    X, Y = small_data()
    Y[4, 2] = 2
    with pytest.raises(ValueError, match=r"y\[4, 2\] is 2\.0"):
        MetaLinkClassifier().fit(X, Y)


def test_infinite_label_is_rejected():
    X, Y = small_data()
    Y[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"infinity: y must contain only .* y\[0, 0\] is inf"):
        MetaLinkClassifier().fit(X, Y)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_labels_checked_a_block_of_rows_at_a_time_name_the_first_bad_cell(monkeypatch, dtype):
    from sklearn_metalink.utils import _validation

    monkeypatch.setattr(_validation, "_BLOCK_CELLS", 6)  # blocks of 2 rows
    X, Y = small_data()
    Y = Y.astype(dtype)
    Y[17, 1], Y[25, 0], Y[29, 2] = 3, -1, np.inf
    with pytest.raises(ValueError, match=r"y\[17, 1\] is 3\.0 and 3 entries in all"):
        MetaLinkClassifier().fit(X, Y)


def test_infinite_feature_is_rejected():
    X, Y = small_data()
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        MetaLinkClassifier().fit(X, Y)


def test_all_unknown_labels_are_rejected():
    X, _ = small_data()
    with pytest.raises(ValueError, match="no known label"):
        MetaLinkClassifier().fit(X, np.full((30, 3), nan))


def test_rows_of_x_and_y_must_match():
    X, Y = small_data()
    with pytest.raises(ValueError, match="y has 29 rows but X has 30"):
        MetaLinkClassifier().fit(X, Y[:29])


def test_a_task_without_any_known_label_warns_and_gets_the_prior():
    X, Y = small_data()
    Y[:, 1] = nan
    with pytest.warns(UserWarning, match="no known label for task"):
        clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], np.nanmean(Y))


def test_the_prior_of_a_task_without_labels_stays_strictly_inside_zero_one():
    X, _ = small_data()
    Y = np.column_stack([np.ones(30), np.full(30, nan)])  # every known label is 1
    with pytest.warns(UserWarning):
        clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)
    P = clf.predict_proba(X)[:, 1]
    assert np.all((P > 0) & (P < 1))


def test_predicting_with_another_number_of_features_is_rejected(fitted):
    with pytest.raises(ValueError, match="X has 5 features, but MetaLinkClassifier is expecting 4"):
        fitted.predict_proba(np.zeros((2, 5)))


def test_context_with_another_number_of_tasks_is_rejected(fitted):
    with pytest.raises(ValueError, match="Y has 12 columns but the model was fitted with 3 tasks"):
        fitted.predict_proba(np.zeros((2, 4)), Y=np.zeros((2, 12)))


def test_context_with_another_number_of_rows_is_rejected(fitted):
    with pytest.raises(ValueError, match="Y has 3 rows but X has 2"):
        fitted.predict_proba(np.zeros((2, 4)), Y=np.zeros((3, 3)))


def test_context_labels_are_validated_like_training_labels(fitted):
    with pytest.raises(ValueError, match=r"Y\[1, 0\] is -1\.0"):
        fitted.predict_proba(np.zeros((2, 4)), Y=[[0, 1, nan], [-1, nan, nan]])


def test_predicting_before_fit_says_so():
    with pytest.raises(NotFittedError):
        MetaLinkClassifier().predict_proba(np.zeros((2, 4)))


@pytest.mark.parametrize("ratio", [(0.6, 0.2), (0.0, 1.5), (0.1, 0.2, 0.3)])
def test_invalid_visible_ratio_range_is_rejected(ratio):
    X, Y = small_data()
    with pytest.raises(ValueError, match="visible_ratio"):
        MetaLinkClassifier(visible_ratio=ratio).fit(X, Y)


def test_multiclass_one_dimensional_y_is_rejected():
    X, _ = small_data()
    with pytest.raises(ValueError, match="Only binary classification"):
        MetaLinkClassifier().fit(X, np.arange(30) % 3)
