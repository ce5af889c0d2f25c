import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_metalink.metrics import (
    masked_average_precision_score,
    masked_log_loss,
    masked_roc_auc_score,
)
from sklearn_metalink.model_selection import RelationalKFold, make_relational_scorer


class EchoLabels(ClassifierMixin, BaseEstimator):
    """A user's estimator that returns the labels it is shown, and 0.5 where unknown."""

    def fit(self, X, y):
        self.n_tasks_ = np.shape(y)[1]
        return self

    def predict_proba(self, X, Y=None):
        if Y is None:
            return np.full((len(X), self.n_tasks_), 0.5)
        return np.where(np.isnan(Y), 0.5, Y)


@pytest.fixture(scope="module")
def fitted(relational_data):
    from sklearn_metalink import MetaLinkClassifier

    X, Y = relational_data
    clf = MetaLinkClassifier(hidden=16, max_epochs=5, lr=1e-2, random_state=0)
    return clf.fit(X[:100], Y[:100]), X[100:], Y[100:]


def test_echoing_the_visible_labels_scores_chance_on_the_targets(relational_data):
    X, Y = relational_data
    cv = RelationalKFold(3, visible_ratio=0.5)
    echo = EchoLabels().fit(X, Y)
    assert make_relational_scorer("roc_auc", cv=cv)(echo, X, Y) == 0.5


def test_the_echo_estimator_would_score_perfectly_if_shown_the_targets(relational_data):
    X, Y = relational_data
    _, target = RelationalKFold(3).mask(X, Y)
    echo = EchoLabels().fit(X, Y)
    assert masked_roc_auc_score(target, echo.predict_proba(X, Y=Y)) == 1.0


def test_scorer_predicts_from_the_visible_labels_and_scores_the_targets(fitted):
    clf, X, Y = fitted
    cv = RelationalKFold(visible_ratio=0.5, random_state=0)
    visible, target = cv.mask(X, Y)
    expected = masked_roc_auc_score(target, clf.predict_proba(X, Y=visible))
    assert make_relational_scorer("roc_auc", cv=cv)(clf, X, Y) == expected
    assert expected != masked_roc_auc_score(target, clf.predict_proba(X))


def test_scorer_passes_the_visible_labels_through_a_pipeline(relational_data):
    from sklearn_metalink import MetaLinkClassifier

    X, Y = relational_data
    pipe = make_pipeline(
        StandardScaler(), MetaLinkClassifier(hidden=16, max_epochs=5, lr=1e-2, random_state=0)
    ).fit(X[:100], Y[:100])
    cv = RelationalKFold()
    visible, target = cv.mask(X[100:], Y[100:])
    expected = masked_roc_auc_score(target, pipe.predict_proba(X[100:], Y=visible))
    assert cv.scorer("roc_auc")(pipe, X[100:], Y[100:]) == expected


@pytest.mark.parametrize(
    "metric, masked_metric, sign",
    [
        ("average_precision", masked_average_precision_score, 1),
        ("neg_log_loss", masked_log_loss, -1),
    ],
)
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_scorer_metrics_follow_greater_is_better(fitted, metric, masked_metric, sign, average):
    clf, X, Y = fitted
    cv = RelationalKFold()
    visible, target = cv.mask(X, Y)
    expected = sign * masked_metric(target, clf.predict_proba(X, Y=visible), average=average)
    assert cv.scorer(metric, average=average)(clf, X, Y) == expected


def test_scorer_passes_sample_weight_to_the_metric(fitted):
    clf, X, Y = fitted
    cv = RelationalKFold()
    weight = np.linspace(0.5, 2, len(X))
    visible, target = cv.mask(X, Y)
    expected = masked_roc_auc_score(
        target, clf.predict_proba(X, Y=visible), sample_weight=weight
    )
    assert cv.scorer()(clf, X, Y, sample_weight=weight) == expected


def test_scorer_gives_the_same_score_after_pickling(fitted):
    clf, X, Y = fitted
    scorer = make_relational_scorer("roc_auc", cv=RelationalKFold(random_state=4))
    assert pickle.loads(pickle.dumps(scorer))(clf, X, Y) == scorer(clf, X, Y)


def test_scorer_repr_names_the_metric_and_the_splitter():
    scorer = make_relational_scorer("average_precision", cv=RelationalKFold(3))
    expected = "make_relational_scorer('average_precision', cv=RelationalKFold("
    assert repr(scorer).startswith(expected)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric": "accuracy"}, "metric must be one of"),
        ({"average": "weighted"}, "average must be 'macro' or 'micro'"),
    ],
)
def test_invalid_metric_or_average_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_relational_scorer(**{"metric": "roc_auc", "cv": RelationalKFold(), **kwargs})


@pytest.mark.parametrize("cv", [KFold(3), 5, None])
def test_a_cv_that_does_not_decide_the_targets_is_refused(cv):
    with pytest.raises(TypeError, match="cv must be a RelationalKFold or RelationalShuffleSplit"):
        make_relational_scorer("roc_auc", cv=cv)


def test_rows_without_any_target_are_a_value_error_saying_why(relational_data):
    X, Y = relational_data
    scorer = make_relational_scorer(cv=RelationalKFold(visible_ratio=0.5, target_tasks=[0]))
    no_target = np.where(np.arange(Y.shape[1]) == 0, np.nan, Y)  # task 0 never known
    with pytest.raises(ValueError, match="None of the 150 rows .* nothing to score"):
        scorer(EchoLabels().fit(X, Y), X, no_target)
