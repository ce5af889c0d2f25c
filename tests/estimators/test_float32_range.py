"""X reaches the models as float32: values beyond that range, or values that overflow inside
the model, raise instead of turning into NaN predictions."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier

ESTIMATORS = [
    MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0),
    TaskGraphClassifier(hidden=8, task_hidden=8, max_epochs=2, random_state=0),
]
NAMES = ["metalink", "task_graph"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    return X, (X[:, :3] > 0.5).astype(float)


@pytest.fixture(scope="module", params=ESTIMATORS, ids=NAMES)
def fitted(request, data):
    return request.param.fit(*data)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=NAMES)
def test_fit_rejects_a_value_beyond_float32_naming_its_cell(estimator, data):
    X, Y = data
    X = X.copy()
    X[3, 1] = -1e39
    with pytest.raises(ValueError, match=r"X\[3, 1\] is -1e\+39, beyond the float32 range"):
        estimator.fit(X, Y)


def test_predict_rejects_a_value_beyond_float32_naming_its_cell(fitted, data):
    X = data[0][:3].copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"X\[0, 0\] is 1e\+39, beyond the float32 range"):
        fitted.predict_proba(X)


def test_sparse_x_beyond_float32_names_the_cell(fitted, data):
    X = data[0][:5].copy()
    X[4, 2] = 2e39
    with pytest.raises(ValueError, match=r"X\[4, 2\] is 2e\+39"):
        fitted.predict_proba(sp.csr_matrix(X))


def test_the_largest_float32_value_is_accepted_by_validation(fitted, data):
    X = data[0][:2].astype(np.float32)
    X[0, 0] = np.finfo(np.float32).max
    assert fitted._validate_X(X, reset=False)[0, 0] == np.finfo(np.float32).max


def test_fit_that_overflows_inside_the_model_raises_instead_of_predicting_nan(data):
    X, Y = data
    X = X.copy()
    X[0, 0] = 3e38  # within float32, but the task graph's unscaled first layer overflows
    with pytest.raises(ValueError, match="Training produced non-finite values"):
        TaskGraphClassifier(hidden=8, task_hidden=8, max_epochs=2, random_state=0).fit(X, Y)


def test_predict_that_overflows_inside_the_model_names_the_rows(data):
    X, Y = data
    model = MetaLinkClassifier(hidden=8, max_epochs=2, n_neighbors=0, random_state=0).fit(X, Y)
    X = X[:4].copy()
    X[2, 0] = 3e38  # scaled by the spread of the fit rows, it overflows the first layer
    with pytest.raises(ValueError, match=r"overflowed on rows \[2\] of X"):
        model.predict_proba(X)
