"""Meta settings: tasks never seen in fit, predicted from a support set with no gradient step."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_metalink import MetaLinkClassifier, with_support
from sklearn_metalink.estimators._episodes import EpisodeCollate
from sklearn_metalink.estimators._inputs import FeatureMatrix
from sklearn_metalink.estimators._retrieval import ColumnNeighbours, blend_columns
from sklearn_metalink.model_selection import score_new_tasks

nan = np.nan
N_FIT, N_TASKS = 800, 24
META = dict(
    task_nodes="shared", hidden=32, max_epochs=60, lr=3e-3,
    label_features=False, validation_fraction=None, random_state=0,
)


@pytest.fixture(scope="module")
def tasks():
    """24 random linear tasks of 6 features (20 % unknown) and their scores Z."""
    rng = np.random.RandomState(0)
    X = rng.rand(1000, 6)
    Z = (X - 0.5) @ rng.randn(6, N_TASKS)
    Y = (Z > 0).astype(float)
    Y[rng.rand(*Y.shape) < 0.2] = nan
    return X, Y, Z


@pytest.fixture(scope="module")
def meta_model(tasks):
    X, Y, _ = tasks
    return MetaLinkClassifier(**META).fit(X[:N_FIT], Y[:N_FIT])


@pytest.fixture(scope="module")
def support(tasks):
    """32 training rows labelled on three new tasks: a copy of task 0, its negation and
    coin flips."""
    X, _, Z = tasks
    rows = np.random.RandomState(1).choice(N_FIT, 32, replace=False)
    coins = np.random.RandomState(2).rand(len(X)) < 0.5
    new = np.column_stack([Z[:, 0] > 0, Z[:, 0] <= 0, coins]).astype(float)
    return rows, new


def query_auc(bound, tasks, new):
    X = tasks[0]
    P = bound.predict_proba(X[N_FIT:])
    return [roc_auc_score(new[N_FIT:, j], P[:, j]) for j in range(new.shape[1])]


def test_a_copy_or_negation_of_a_training_task_is_predicted_from_a_small_support(
    meta_model, tasks, support
):
    rows, new = support
    copy, negation, coins = query_auc(meta_model.with_support(tasks[0][rows], new[rows]), tasks, new)
    assert copy > 0.9
    assert negation > 0.9
    assert abs(coins - 0.5) < 0.1


def test_the_support_labels_decide_the_prediction(meta_model, tasks, support):
    rows, new = support
    shuffled = new[np.random.RandomState(3).permutation(rows)]
    copy, negation, _ = query_auc(meta_model.with_support(tasks[0][rows], shuffled), tasks, new)
    assert copy < 0.7 and negation < 0.7


def test_binding_needs_no_training_data_and_changes_nothing_in_the_model(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    before = meta_model.predict_proba(X[N_FIT:])
    weights = {k: v.clone() for k, v in meta_model.net_.module_.state_dict().items()}
    bound = meta_model.with_support(X[rows], new[rows])
    np.testing.assert_array_equal(meta_model.predict_proba(X[N_FIT:]), before)
    for key, value in meta_model.net_.module_.state_dict().items():
        assert torch.equal(value, weights[key]), key
    assert bound.n_tasks_ == 3 and meta_model.n_tasks_ == N_TASKS


def test_bound_model_is_deterministic_row_independent_and_pickles(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    bound = meta_model.with_support(X[rows], new[rows])
    again = meta_model.with_support(X[rows], new[rows])
    P = bound.predict_proba(X[N_FIT:])
    np.testing.assert_array_equal(again.predict_proba(X[N_FIT:]), P)
    np.testing.assert_array_equal(bound.predict_proba(X[N_FIT + 5 : N_FIT + 9]), P[5:9])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(bound)).predict_proba(X[N_FIT:]), P)


def test_new_tasks_blend_the_support_k_nn_estimate_into_their_logits(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    bound = meta_model.with_support(X[rows], new[rows])
    context = np.full((200, 3), nan)
    context[:100, 0] = new[N_FIT : N_FIT + 100, 0]
    estimate = ColumnNeighbours(X[rows], new[rows], meta_model.n_neighbors)
    pairs = bound._support_neighbours.pair_weight
    network = bound._logits(X[N_FIT:], context)
    bound._support_neighbours = None
    network_only = bound._logits(X[N_FIT:], context)
    assert not np.allclose(network, network_only)
    expected = blend_columns(
        network_only, estimate.log_odds(X[N_FIT:], context), np.arange(3),
        np.full(3, len(rows)), ~np.isnan(context).all(axis=1),
    )
    # Plus the label pairs learned on the support, for the rows with context: weights on
    # the visible labels' codes and on their mean.
    codes = np.nan_to_num(2 * context - 1)
    n_visible = np.maximum(np.abs(codes).sum(axis=1, keepdims=True), 1)
    mean = codes.sum(axis=1, keepdims=True) / n_visible
    expected += np.hstack([codes, mean]) @ pairs.T
    np.testing.assert_allclose(network, expected, atol=1e-6)


def test_new_tasks_learn_label_pairs_from_the_support(meta_model, tasks, support):
    """The support knows all three new labels of each row: how one follows another is
    learned there (the negation of the copy, nothing for the coin flips), and a query's
    visible labels move its other columns; without context nothing changes."""
    X = tasks[0]
    rows, new = support
    bound = meta_model.with_support(X[rows], new[rows])
    W = bound._support_neighbours.pair_weight
    assert W.shape == (3, 4)  # one weight per other column, and one on the mean code
    np.testing.assert_array_equal(np.diag(W), 0.0)
    assert W[0, 1] < 0 and W[1, 0] < 0
    assert np.abs(W[2, :2]).max() < np.abs(W[1, 0])
    no_context = np.full((200, 3), nan)
    P = bound.predict_proba(X[N_FIT:], Y=no_context)
    shown = no_context.copy()
    shown[:, 0] = new[N_FIT:, 0]
    with_copy = bound.predict_proba(X[N_FIT:], Y=shown)
    # A visible 1 for the copy lowers the negation's probability, a visible 0 raises it.
    moved = with_copy[:, 1] - P[:, 1]
    assert (moved[new[N_FIT:, 0] == 1] < 0).all() and (moved[new[N_FIT:, 0] == 0] > 0).all()
    bound._support_neighbours.pair_weight = None
    np.testing.assert_array_equal(bound.predict_proba(X[N_FIT:], Y=no_context), P)


def test_a_row_active_in_many_new_assays_raises_the_others(meta_model, tasks):
    """Six new assays that share one hidden activity level of the molecule (independent of
    X): each column learns a positive weight on the row's mean code, so the same two
    visible labels raise the other assays when positive and lower them when negative."""
    X = tasks[0]
    rng = np.random.RandomState(3)
    activity = rng.rand(len(X))
    new = (activity[:, None] > rng.uniform(0.3, 0.7, 6)).astype(float)
    new[rng.rand(*new.shape) < 0.3] = nan
    rows = np.arange(200)
    bound = meta_model.with_support(X[rows], new[rows])
    W = bound._support_neighbours.pair_weight
    assert (W[:, -1] > 0).all()
    queries = np.arange(N_FIT, N_FIT + 50)
    shown = np.full((50, 6), nan)
    P = {}
    for value in (0.0, 1.0):
        shown[:, :2] = value
        P[value] = bound.predict_proba(X[queries], Y=shown)[:, 2:]
    assert (P[1.0] > P[0.0]).all()


def test_pair_weights_without_the_mean_term_predict_as_they_did(meta_model, tasks, support):
    """Model files written before the mean code hold (n_new, n_new) pair weights: they
    still weigh the visible labels' codes alone."""
    X = tasks[0]
    rows, new = support
    bound = meta_model.with_support(X[rows], new[rows])
    support_neighbours = bound._support_neighbours
    support_neighbours.pair_weight = support_neighbours.pair_weight[:, :3]
    context = np.where(np.arange(3) == 0, new[N_FIT:], nan)
    np.testing.assert_array_equal(
        support_neighbours.pair_logits(context),
        (2 * context[:, :1] - 1) @ support_neighbours.pair_weight[:, :1].T,
    )


def test_no_label_pairs_when_no_support_row_knows_two_labels(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    one_each = np.full(new[rows].shape, nan)
    one_each[np.arange(len(rows)), np.arange(len(rows)) % 3] = new[rows][
        np.arange(len(rows)), np.arange(len(rows)) % 3
    ]
    assert meta_model.with_support(X[rows], one_each)._support_neighbours.pair_weight is None


def test_a_new_task_without_support_labels_takes_no_estimate(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    labels = np.column_stack([new[rows, 0], np.full(len(rows), nan)])
    with pytest.warns(UserWarning):  # the unlabelled column is predicted by the pooled prior
        bound = meta_model.with_support(X[rows], labels)
    logits = bound._logits(X[N_FIT:], np.full((200, 2), nan))
    assert np.isfinite(logits).all()
    bound._support_neighbours = None
    np.testing.assert_array_equal(
        bound._logits(X[N_FIT:], np.full((200, 2), nan))[:, 1], logits[:, 1]
    )


def test_without_neighbours_a_bound_model_uses_the_network_alone(tasks, support):
    X, Y, _ = tasks
    rows, new = support
    clf = MetaLinkClassifier(**{**META, "max_epochs": 3}, n_neighbors=0).fit(X[:N_FIT], Y[:N_FIT])
    assert clf.with_support(X[rows], new[rows])._support_neighbours is None


def test_training_tasks_take_no_support_estimate_and_a_refit_drops_it(meta_model, tasks, support):
    X, Y, _ = tasks
    rows, new = support
    bound = meta_model.with_support(X[rows], np.hstack([Y[rows], new[rows]]), training_tasks=True)
    np.testing.assert_array_equal(bound._support_neighbours.columns, N_TASKS + np.arange(3))
    # The new tasks' label pairs join new tasks only (training tasks have the network's).
    assert bound._support_neighbours.pair_weight.shape == (3, 4)
    refit = bound.set_params(max_epochs=1).fit(X[:100], new[:100])
    assert refit._support_neighbours is None


def test_dataframe_support_names_the_new_tasks_and_context_uses_them(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    frame = pd.DataFrame(new[rows], columns=["copy", "negation", "coins"])
    bound = meta_model.with_support(X[rows], frame)
    assert list(bound.task_names_) == ["copy", "negation", "coins"]
    context = np.full((200, 3), nan)
    context[:, 0] = new[N_FIT:, 0]
    with_context = bound.predict_proba(X[N_FIT:], Y=context)
    assert not np.allclose(with_context[:, 1], bound.predict_proba(X[N_FIT:])[:, 1])
    with pytest.raises(ValueError, match="columns must be the tasks seen in fit"):
        bound.predict_proba(X[N_FIT:], Y=pd.DataFrame(context, columns=["a", "b", "c"]))


def test_one_dimensional_support_labels_make_a_binary_classifier(meta_model, tasks, support):
    rows, new = support
    bound = meta_model.with_support(tasks[0][rows], new[rows, 0])
    P = bound.predict_proba(tasks[0][N_FIT:])
    assert P.shape == (200, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert roc_auc_score(new[N_FIT:, 0], P[:, 1]) > 0.9


def test_training_tasks_keep_their_trained_states(meta_model, tasks, support):
    X, Y, _ = tasks
    rows, new = support
    bound = meta_model.with_support(
        X[rows], np.hstack([Y[rows], new[rows]]), training_tasks=True
    )
    assert bound.n_tasks_ == N_TASKS + 3
    P = bound.predict_proba(X[N_FIT:])
    np.testing.assert_allclose(P[:, :N_TASKS], meta_model.predict_proba(X[N_FIT:]), atol=1e-6)
    assert roc_auc_score(new[N_FIT:, 0], P[:, N_TASKS]) > 0.9


def test_training_tasks_without_support_labels_keep_the_fitted_predictions(
    meta_model, tasks, support
):
    X, _, _ = tasks
    rows, new = support
    unlabelled = np.full((len(rows), N_TASKS), nan)  # the support labels no training task
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no known label" warning for training tasks
        bound = meta_model.with_support(
            X[rows], np.hstack([unlabelled, new[rows]]), training_tasks=True
        )
    P = bound.predict_proba(X[N_FIT:])
    np.testing.assert_allclose(P[:, :N_TASKS], meta_model.predict_proba(X[N_FIT:]), atol=1e-6)


def test_a_bound_model_can_be_bound_again(meta_model, tasks, support):
    X, _, _ = tasks
    rows, new = support
    first = meta_model.with_support(X[rows], new[rows, :1])
    again = first.with_support(X[rows], new[rows], training_tasks=True)
    assert again.n_tasks_ == 3
    np.testing.assert_allclose(
        again.predict_proba(X[N_FIT:])[:, :1], first.predict_proba(X[N_FIT:]), atol=1e-6
    )


def test_training_tasks_columns_are_checked(meta_model, tasks, support):
    X, Y, _ = tasks
    rows, new = support
    with pytest.raises(ValueError, match="first 24 columns are the training tasks"):
        meta_model.with_support(X[rows], new[rows], training_tasks=True)
    frame = pd.DataFrame(np.hstack([Y[rows], new[rows]]))
    frame.columns = [f"other_{c}" for c in range(frame.shape[1])]
    with pytest.raises(ValueError, match="must be the tasks seen in fit"):
        meta_model.with_support(X[rows], frame, training_tasks=True)


def test_with_support_refuses_learned_task_nodes_and_unfitted_models(tasks):
    X, Y, _ = tasks
    learned = MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0).fit(X[:100], Y[:100])
    with pytest.raises(ValueError, match="task_nodes='shared'"):
        learned.with_support(X[:10], Y[:10, :2])
    learned.set_params(task_nodes="shared")  # the fitted module decides, not the parameter
    with pytest.raises(ValueError, match="fitted with task_nodes='learned'"):
        learned.with_support(X[:10], Y[:10, :2])
    with pytest.raises(ValueError, match="few_shot_tasks > 0 .* needs task_nodes='shared'"):
        MetaLinkClassifier(few_shot_tasks=0.3, max_epochs=1).fit(X[:100], Y[:100])
    with pytest.raises(Exception, match="not fitted"):
        MetaLinkClassifier(task_nodes="shared").with_support(X[:10], Y[:10, :2])
    with pytest.raises(TypeError, match="MetaLinkClassifier or a Pipeline"):
        with_support(StandardScaler().fit(X), X[:10], Y[:10, :2])
    with pytest.raises(TypeError, match="got LogisticRegression"):
        with_support(make_pipeline(StandardScaler(), LogisticRegression()), X[:10], Y[:10, 0])


def test_support_input_is_validated_like_fit(meta_model, tasks):
    X = tasks[0]
    with pytest.raises(ValueError, match="6 features"):
        meta_model.with_support(X[:10, :4], np.ones((10, 1)))
    with pytest.raises(ValueError, match=r"Y.*0, 1"):
        meta_model.with_support(X[:10], np.full((10, 2), 2.0))
    with pytest.raises(ValueError, match="Y has 9 rows"):
        meta_model.with_support(X[:10], np.ones((9, 2)))


def test_pipeline_support_goes_through_the_preprocessing(tasks, support):
    X, Y, _ = tasks
    rows, new = support
    pipe = make_pipeline(StandardScaler(), MetaLinkClassifier(**{**META, "max_epochs": 3}))
    pipe.fit(X[:N_FIT], Y[:N_FIT])
    bound = with_support(pipe, X[rows], new[rows])
    assert bound is not pipe and bound[-1] is not pipe[-1] and bound[0] is not pipe[0]
    expected = pipe[-1].with_support(pipe[0].transform(X[rows]), new[rows])
    np.testing.assert_array_equal(
        bound.predict_proba(X[N_FIT:]), expected.predict_proba(pipe[0].transform(X[N_FIT:]))
    )
    assert pipe[-1].n_tasks_ == N_TASKS
    alone = with_support(Pipeline([("model", pipe[-1])]), pipe[0].transform(X[rows]), new[rows])
    np.testing.assert_array_equal(
        alone.predict_proba(pipe[0].transform(X[N_FIT:])), bound.predict_proba(X[N_FIT:])
    )


def test_auto_few_shot_tasks_is_on_for_shared_task_nodes_with_about_ten_new_tasks_a_step(tasks):
    X, Y, _ = tasks
    small = dict(hidden=8, max_epochs=2, random_state=0)

    def fit_predict(Y=Y, **params):
        return MetaLinkClassifier(**small, **params).fit(X[:200], Y[:200]).predict_proba(X[:5])

    np.testing.assert_array_equal(
        fit_predict(task_nodes="shared"), fit_predict(task_nodes="shared", few_shot_tasks=0.3)
    )
    assert not np.array_equal(
        fit_predict(task_nodes="shared"), fit_predict(task_nodes="shared", few_shot_tasks=0.0)
    )
    np.testing.assert_array_equal(fit_predict(), fit_predict(few_shot_tasks=0.0))
    # 100 tasks: "auto" keeps ten new tasks a step on average, p = 0.1 instead of 0.3.
    many = np.tile(Y, (1, 5))[:, :100]
    auto = fit_predict(many, task_nodes="shared")
    np.testing.assert_array_equal(auto, fit_predict(many, task_nodes="shared", few_shot_tasks=0.1))
    assert not np.array_equal(auto, fit_predict(many, task_nodes="shared", few_shot_tasks=0.3))


def test_few_shot_episodes_keep_few_labels_and_swap_them_consistently():
    rng = np.random.RandomState(0)
    X = rng.rand(300, 4).astype(np.float32)
    Y = (rng.rand(300, 6) < 0.5).astype(float)
    collate = EpisodeCollate(
        FeatureMatrix(), X, Y, np.arange(300), support_size=200, visible_ratio=0.5,
        rng=np.random.default_rng(0), few_shot_tasks=1.0,
    )
    query = np.arange(40)
    inputs, target = collate([(i, None) for i in query])
    is_support = inputs["is_support"].numpy()
    y = inputs["y"].numpy()
    assert np.isnan(inputs["y_features"].numpy()).all()  # every task plays a new one
    support_known = (~np.isnan(y[is_support])).sum(axis=0)
    assert (support_known >= 8).all() and (support_known < 200).any()
    shown = np.where(np.isnan(y[~is_support]), target.numpy(), y[~is_support])
    swapped = np.all(shown == 1 - Y[query], axis=0)
    assert (swapped | np.all(shown == Y[query], axis=0)).all() and 0 < swapped.sum() < 6


def test_score_new_tasks_scores_hidden_query_labels_only(meta_model, tasks, support):
    X = tasks[0]
    rows, new = support
    meta = score_new_tasks(meta_model, X[rows], new[rows, :2], X[N_FIT:], new[N_FIT:, :2])
    assert meta > 0.9
    relational = score_new_tasks(
        meta_model, X[rows], new[rows, :2], X[N_FIT:], new[N_FIT:, :2], visible_ratio=0.5
    )
    assert relational > 0.9
    with pytest.raises(ValueError, match="Y_query has 3 columns"):
        score_new_tasks(meta_model, X[rows], new[rows, :2], X[N_FIT:], new[N_FIT:])
    for ratio in (1, "half"):
        with pytest.raises(ValueError, match="visible_ratio"):
            score_new_tasks(meta_model, X[rows], new[rows], X[N_FIT:], new[N_FIT:],
                            visible_ratio=ratio)
    one_task = score_new_tasks(meta_model, X[rows], new[rows, 0], X[N_FIT:], new[N_FIT:, :1])
    assert one_task > 0.9


@pytest.mark.parametrize("average", ["macro", "micro"])
def test_score_new_tasks_without_a_query_label_to_score_names_y_query(
    meta_model, tasks, support, average
):
    X, Y, _ = tasks
    rows, new = support
    unknown = np.full((len(X) - N_FIT, 1), nan)  # the new task is known only in the support
    with pytest.raises(ValueError, match="Y_query has no label to score"):
        score_new_tasks(
            meta_model, X[rows], np.hstack([Y[rows], new[rows, 2:]]),
            X[N_FIT:], np.hstack([Y[N_FIT:], unknown]), training_tasks=True, average=average,
        )


def test_score_new_tasks_never_scores_training_task_context(meta_model, tasks, support):
    X, Y, _ = tasks
    rows, new = support
    score = score_new_tasks(
        meta_model, X[rows], np.hstack([Y[rows], new[rows, 2:]]),
        X[N_FIT:], np.hstack([Y[N_FIT:], new[N_FIT:, 2:]]), training_tasks=True,
    )
    assert abs(score - 0.5) < 0.1  # only the coin-flip task is scored
