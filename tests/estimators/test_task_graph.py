import pickle

import numpy as np
import pytest
import torch

from sklearn_metalink import TaskGraphClassifier
from sklearn_metalink.estimators import plot_task_relations
from sklearn_metalink.nn import MaskedBCEWithLogitsLoss

nan = np.nan
GRAPHS = ["complete", "star"]
FAST = dict(hidden=32, task_hidden=16, max_epochs=15, lr=1e-2, random_state=0)


@pytest.fixture(scope="module")
def data():
    """8 features, 5 correlated tasks, 30 % of labels unknown."""
    rng = np.random.RandomState(0)
    X = rng.rand(240, 8)
    Y = (X[:, :5] + 0.3 * rng.rand(240, 5) > 0.6).astype(float)
    Y[rng.rand(*Y.shape) < 0.3] = nan
    return X, Y


@pytest.fixture(scope="module", params=GRAPHS)
def fitted(request, data):
    return TaskGraphClassifier(graph=request.param, **FAST).fit(*data)


@pytest.fixture(scope="module")
def context(data):
    """Half of the known labels of the first 60 rows, the rest hidden."""
    X, Y = data
    visible = np.where(np.random.RandomState(1).rand(60, 5) < 0.5, Y[:60], nan)
    return X[:60], visible


@pytest.fixture(scope="module")
def noisy_copy():
    """Task 1 is task 0 with 10 % of its labels flipped; tasks 2-4 follow other features.
    X predicts task 0 only weakly, so knowing one of the pair is what helps the other."""
    rng = np.random.RandomState(0)
    n = 1200
    X = rng.rand(n, 10)
    a = X[:, 0] + 1.5 * rng.rand(n) > 1.25
    b = a ^ (rng.rand(n) < 0.1)
    others = [X[:, j] + rng.rand(n) > 1 for j in (1, 2, 3)]
    Y = np.column_stack([a, b, *others]).astype(float)
    Y[rng.rand(*Y.shape) < 0.2] = nan
    return X, Y


def test_predict_proba_is_a_probability_per_task(fitted, data):
    P = fitted.predict_proba(data[0])
    assert P.shape == (240, 5)
    assert np.all((P > 0) & (P < 1))


def test_predict_proba_uses_known_labels_of_the_query_row(fitted, context):
    X, visible = context
    assert not np.allclose(fitted.predict_proba(X), fitted.predict_proba(X, Y=visible))


def test_a_row_prediction_does_not_depend_on_the_other_rows_of_the_call(fitted, context):
    X, visible = context
    full = fitted.predict_proba(X, Y=visible)
    rows = np.array([7, 3, 42, 0])
    np.testing.assert_allclose(fitted.predict_proba(X[rows], Y=visible[rows]), full[rows], rtol=1e-6)


def test_a_row_predicted_alone_matches_its_prediction_in_a_batch(fitted, context):
    X, visible = context
    full = fitted.predict_proba(X, Y=visible)
    alone = np.vstack([fitted.predict_proba(X[[i]], Y=visible[[i]]) for i in range(len(X))])
    np.testing.assert_allclose(alone, full, rtol=0, atol=1e-6)


@pytest.mark.parametrize("graph", GRAPHS)
def test_same_random_state_gives_bit_identical_predictions(graph, data, context):
    first = TaskGraphClassifier(graph=graph, **FAST).fit(*data)
    second = TaskGraphClassifier(graph=graph, **FAST).fit(*data)
    np.testing.assert_array_equal(first.predict_proba(*context), second.predict_proba(*context))
    np.testing.assert_array_equal(first.task_relations_, second.task_relations_)


@pytest.mark.parametrize("graph", GRAPHS)
def test_a_fitted_model_predicts_the_same_with_any_number_of_torch_threads(graph, data, context):
    model = TaskGraphClassifier(**dict(FAST, max_epochs=5, graph=graph), n_threads=1).fit(*data)
    expected = model.predict_proba(*context)
    np.testing.assert_array_equal(model.set_params(n_threads=2).predict_proba(*context), expected)


def test_fits_with_another_number_of_torch_threads_differ_only_in_the_last_bits(data, context):
    # torch splits the sums of the backward pass among its threads (docs/task_graph.md).
    params = dict(FAST, graph="star")
    one = TaskGraphClassifier(**params, n_threads=1).fit(*data).predict_proba(*context)
    two = TaskGraphClassifier(**params, n_threads=2).fit(*data).predict_proba(*context)
    np.testing.assert_allclose(two, one, rtol=0, atol=1e-6)


def test_pickle_round_trip_predicts_the_same_without_the_training_data(fitted, context):
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(*context), fitted.predict_proba(*context))
    assert restored.net_.iterator_train__collate_fn.X is None


@pytest.mark.parametrize("graph", GRAPHS)
def test_task_relations_weight_a_noisy_copy_above_the_average(graph, noisy_copy):
    clf = TaskGraphClassifier(
        graph=graph, **{**FAST, "max_epochs": 30}, validation_fraction=None
    ).fit(*noisy_copy)
    relations = clf.task_relations_
    off_diagonal = ~np.eye(5, dtype=bool)
    assert relations[0, 1] > 1.5 * relations[off_diagonal].mean()


def test_complete_graph_relations_are_attention_over_the_other_tasks(data):
    clf = TaskGraphClassifier(graph="complete", **FAST).fit(*data)
    np.testing.assert_allclose(clf.task_relations_.sum(axis=0), 1, rtol=1e-5)
    np.testing.assert_array_equal(np.diag(clf.task_relations_), 0)


def test_balanced_pos_weight_is_negatives_over_positives_per_task(data):
    X, Y = data
    clf = TaskGraphClassifier(pos_weight="balanced", **FAST, validation_fraction=None).fit(X, Y)
    criterion = clf.net_.criterion_
    assert isinstance(criterion, MaskedBCEWithLogitsLoss)
    expected = np.sum(Y == 0, axis=0) / np.sum(Y == 1, axis=0)
    np.testing.assert_allclose(criterion.pos_weight.numpy(), expected, rtol=1e-6)


def test_pos_weight_changes_the_model(data, context):
    X, Y = data
    plain = TaskGraphClassifier(**FAST).fit(X, Y)
    weighted = TaskGraphClassifier(**FAST, pos_weight=[5.0] * 5).fit(X, Y)
    assert np.mean(weighted.predict_proba(*context)) > np.mean(plain.predict_proba(*context))


def test_pos_weight_of_another_length_is_rejected(data):
    with pytest.raises(ValueError, match="pos_weight must be 'balanced' or 5 positive"):
        TaskGraphClassifier(pos_weight=[1.0, 2.0], **FAST).fit(*data)


def test_task_hidden_must_be_divisible_by_n_heads(data):
    with pytest.raises(ValueError, match="task_hidden=16 and n_heads=3"):
        TaskGraphClassifier(n_heads=3, **FAST).fit(*data)


def test_fit_leaves_the_global_torch_random_state_alone(data):
    before = torch.get_rng_state()
    TaskGraphClassifier(graph="star", **{**FAST, "max_epochs": 2}).fit(*data)
    assert torch.equal(before, torch.get_rng_state())


def test_plot_task_relations_draws_the_matrix_with_task_names(fitted):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = plot_task_relations(fitted, tasks=[2, 0, 1])
    np.testing.assert_array_equal(
        ax.images[0].get_array(), fitted.task_relations_[np.ix_([2, 0, 1], [2, 0, 1])]
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["task_2", "task_0", "task_1"]
    matplotlib.pyplot.close(ax.figure)
