import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold

from sklearn_metalink.metrics import masked_roc_auc_score
from sklearn_metalink.model_selection import (
    RelationalKFold,
    plot_relational_learning_curve,
    relational_learning_curve,
)
from sklearn_metalink.model_selection._learning_curve import _context_rank

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def curve(relational_data):
    from sklearn_metalink import MetaLinkClassifier

    X, Y = relational_data
    clf = MetaLinkClassifier(hidden=16, max_epochs=5, lr=1e-2, random_state=0)
    return relational_learning_curve(clf, X, Y, n_known=(0, 1, 100), cv=RelationalKFold(3))


def test_curve_has_one_score_per_fold_and_number_of_known_labels(curve):
    assert list(curve.columns) == ["n_known", "fold", "score"]
    assert sorted(zip(curve["n_known"], curve["fold"])) == [
        (k, fold) for k in (0, 1, 100) for fold in range(3)
    ]
    assert curve.attrs["metric"] == "roc_auc"


def test_curve_without_context_and_with_all_visible_labels_match_direct_scoring(
    curve, relational_data, small_metalink
):
    X, Y = relational_data
    cv = RelationalKFold(3)
    train, test = next(cv.split(X, Y))
    visible, target = cv.mask(X[test], Y[test])
    clf = clone(small_metalink).fit(X[train], Y[train])
    first_fold = curve[curve["fold"] == 0].set_index("n_known")["score"]
    assert first_fold[0] == masked_roc_auc_score(target, clf.predict_proba(X[test]))
    assert first_fold[100] == cv.scorer()(clf, X[test], Y[test])


def test_fractions_of_the_visible_labels_give_the_same_ends_as_counts(
    relational_data, small_metalink
):
    X, Y = relational_data
    by_fraction = relational_learning_curve(
        small_metalink, X[:100], Y[:100], n_known=(0.0, 1.0), cv=RelationalKFold(2)
    )
    by_count = relational_learning_curve(
        small_metalink, X[:100], Y[:100], n_known=(0, 100), cv=RelationalKFold(2)
    )
    np.testing.assert_array_equal(by_fraction["score"], by_count["score"])


def test_context_reveals_min_of_k_and_the_visible_labels_in_nested_order(relational_data):
    X, Y = relational_data
    visible, _ = RelationalKFold().mask(X, Y)
    rank = _context_rank(X, Y, visible, random_state=0)
    pool = (~np.isnan(visible)).sum(axis=1)
    shown_before = np.zeros_like(Y, dtype=bool)
    for k in range(5):
        shown = rank < k
        np.testing.assert_array_equal(shown.sum(axis=1), np.minimum(k, pool))
        assert not (shown & np.isnan(visible)).any()
        assert (shown >= shown_before).all()
        shown_before = shown


@pytest.mark.parametrize("n_known", [[[0, 1]], (-1, 2), (0.0, 1.5), (0, 2, 0.5), ()])
def test_invalid_n_known_is_refused(relational_data, small_metalink, n_known):
    X, Y = relational_data
    with pytest.raises(ValueError, match="n_known must be a sequence"):
        relational_learning_curve(small_metalink, X, Y, n_known=n_known)


def test_a_row_only_cv_is_refused(relational_data, small_metalink):
    X, Y = relational_data
    with pytest.raises(TypeError, match="cv must be a RelationalKFold"):
        relational_learning_curve(small_metalink, X, Y, cv=KFold(3))


def test_plot_draws_mean_score_against_known_labels(curve):
    ax = plot_relational_learning_curve(curve)
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(np.asarray(x, dtype=float), [0, 1, 100])
    np.testing.assert_allclose(
        np.asarray(y, dtype=float), curve.groupby("n_known")["score"].mean()
    )
    assert ax.get_xlabel() == "labels known per test row"
    assert ax.get_ylabel() == "roc_auc on hidden labels"
    matplotlib.pyplot.close(ax.figure)


def test_plot_refuses_a_frame_without_scores():
    with pytest.raises(ValueError, match="lacks \\['score'\\]"):
        plot_relational_learning_curve(pd.DataFrame({"n_known": [0, 1]}))
