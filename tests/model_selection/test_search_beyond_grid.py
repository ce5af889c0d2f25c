"""Successive halving over epochs and Optuna's search, with the relational splitter and scorer."""

import warnings

import numpy as np
import pytest
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.model_selection import RelationalKFold, make_relational_scorer


def _cv_and_scoring():
    cv = RelationalKFold(3, random_state=0)
    return cv, make_relational_scorer("roc_auc", cv=cv)


def test_halving_search_gives_the_survivors_more_epochs(relational_data):
    X, Y = relational_data
    cv, scoring = _cv_and_scoring()
    search = HalvingGridSearchCV(
        MetaLinkClassifier(lr=1e-2, random_state=0), {"hidden": [4, 8, 16, 32]},
        resource="max_epochs", min_resources=2, max_resources=8, factor=2,
        cv=cv, scoring=scoring, random_state=0,
    ).fit(X, Y)
    results = search.cv_results_
    epochs_per_round = [sorted(set(np.asarray(results["param_max_epochs"])[results["iter"] == i]))
                        for i in range(search.n_iterations_)]
    assert epochs_per_round == [[2], [4], [8]]
    assert list(search.n_candidates_) == [4, 2, 1]
    assert np.isfinite(results["mean_test_score"]).all()
    assert search.best_estimator_.max_epochs == 8
    assert search.best_estimator_.predict_proba(X[:3], Y=Y[:3]).shape == (3, 4)


def test_optuna_search_scores_on_hidden_labels_and_is_reproducible(relational_data):
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    X, Y = relational_data
    cv, scoring = _cv_and_scoring()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def search():
        space = {
            "hidden": optuna.distributions.IntDistribution(4, 32, log=True),
            "lr": optuna.distributions.FloatDistribution(1e-3, 3e-2, log=True),
        }
        with warnings.catch_warnings():
            # Optuna's own notices: OptunaSearchCV is experimental, and it reports its
            # scores through a module Optuna 4.9 deprecated.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            warnings.filterwarnings("ignore", ".*optuna.terminator", FutureWarning)
            return integration.OptunaSearchCV(
                MetaLinkClassifier(max_epochs=3, random_state=0), space, cv=cv,
                scoring=scoring, n_trials=3, random_state=0,
            ).fit(X, Y)

    first, second = search(), search()
    scores = [trial.value for trial in first.study_.trials]
    assert len(scores) == 3 and all(0 < s <= 1 for s in scores)
    assert scores == [trial.value for trial in second.study_.trials]
    assert first.best_estimator_.predict_proba(X[:3], Y=Y[:3]).shape == (3, 4)
