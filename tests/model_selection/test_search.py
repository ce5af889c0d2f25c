import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from sklearn_metalink.metrics import masked_average_precision_score
from sklearn_metalink.model_selection import RelationalKFold, make_relational_scorer

GRID = {"hidden": [8, 16]}


def _search(estimator, n_jobs=None):
    cv = RelationalKFold(3, random_state=0)
    scoring = make_relational_scorer("roc_auc", cv=cv)
    return GridSearchCV(estimator, GRID, cv=cv, scoring=scoring, n_jobs=n_jobs)


@pytest.fixture(scope="module")
def serial_search(relational_data):
    from sklearn_metalink import MetaLinkClassifier

    X, Y = relational_data
    return _search(MetaLinkClassifier(max_epochs=5, lr=1e-2, random_state=0)).fit(X, Y)


def test_grid_search_scores_every_candidate_on_hidden_labels(serial_search):
    scores = serial_search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert 0.5 < scores.max() <= 1


def test_grid_search_refits_the_best_candidate_which_takes_context(serial_search, relational_data):
    X, Y = relational_data
    best = serial_search.best_estimator_
    assert best.hidden == serial_search.best_params_["hidden"]
    assert best.predict_proba(X[:5], Y=Y[:5]).shape == (5, 4)


def test_grid_search_gives_the_same_results_with_two_jobs(serial_search, relational_data):
    X, Y = relational_data
    parallel = _search(clone(serial_search.estimator), n_jobs=2).fit(X, Y)
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial_search.cv_results_["mean_test_score"]
    )
    assert parallel.best_params_ == serial_search.best_params_


def test_grid_search_gives_the_same_results_on_a_dask_cluster(serial_search, relational_data):
    distributed = pytest.importorskip("distributed")
    X, Y = relational_data
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        on_dask = _search(clone(serial_search.estimator)).fit(X, Y)
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"], serial_search.cv_results_["mean_test_score"]
    )
    assert on_dask.best_params_ == serial_search.best_params_


def test_cross_validate_returns_each_folds_score_on_its_hidden_labels(
    relational_data, small_metalink
):
    X, Y = relational_data
    cv = RelationalKFold(3, random_state=0)
    scoring = {"roc_auc": cv.scorer("roc_auc"), "ap": cv.scorer("average_precision")}
    result = cross_validate(small_metalink, X, Y, cv=cv, scoring=scoring)
    assert result["test_roc_auc"].shape == result["test_ap"].shape == (3,)
    train, test = next(cv.split(X, Y))
    visible, target = cv.mask(X[test], Y[test])
    first_fold = clone(small_metalink).fit(X[train], Y[train])
    expected = masked_average_precision_score(target, first_fold.predict_proba(X[test], Y=visible))
    assert result["test_ap"][0] == expected


def test_randomized_search_accepts_the_splitter_and_scorer(relational_data, small_metalink):
    X, Y = relational_data
    cv = RelationalKFold(2, visible_ratio=0.3, random_state=1)
    search = RandomizedSearchCV(
        small_metalink, {"hidden": [8, 16]}, n_iter=1, cv=cv, scoring=cv.scorer(),
        random_state=0,
    ).fit(X, Y)
    assert np.isfinite(search.best_score_)
