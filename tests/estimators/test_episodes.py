"""The rules training depends on: what a training batch shows, hides and sends to the tasks."""

import numpy as np
import pytest
import torch

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier
from sklearn_metalink.estimators._episodes import (
    EpisodeCollate,
    LabelMaskingCollate,
    visibility_mask,
)
from sklearn_metalink.estimators._inputs import FeatureMatrix

nan = np.nan
N_ROWS = 200


@pytest.fixture
def rows():
    """Features whose first column is the row's index, and labels with 20 % unknown."""
    rng = np.random.RandomState(0)
    X = np.column_stack([np.arange(N_ROWS), rng.rand(N_ROWS, 3)]).astype(np.float32)
    Y = (rng.rand(N_ROWS, 5) < 0.5).astype(float)
    Y[rng.rand(*Y.shape) < 0.2] = nan
    return X, Y


def _episode_collate(X, Y, fixed, seed=0):
    # The support may take every row of the pool: only the exclusion keeps the query out.
    return EpisodeCollate(
        FeatureMatrix(), X, Y, np.arange(len(Y)), support_size=len(Y), visible_ratio=0.5,
        rng=np.random.default_rng(seed), valid=np.arange(len(Y)) if fixed else None,
    )


@pytest.mark.parametrize("fixed", [False, True], ids=["training", "validation"])
def test_a_query_row_never_sends_its_labels_to_the_task_nodes(rows, fixed):
    X, Y = rows
    query = np.arange(0, N_ROWS, 3)
    inputs, _ = _episode_collate(X, Y, fixed)([(i, None) for i in query])
    is_support = inputs["is_support"].numpy()
    senders = inputs["x"].numpy()[is_support, 0].astype(int)  # row index of each support row
    assert not np.isin(senders, query).any()
    assert len(senders) == N_ROWS - len(query)  # every other row of the pool is support


@pytest.mark.parametrize("fixed", [False, True], ids=["training", "validation"])
def test_the_hidden_labels_of_a_query_row_are_its_targets_and_not_its_context(rows, fixed):
    X, Y = rows
    query = np.arange(40)
    inputs, target = _episode_collate(X, Y, fixed)([(i, None) for i in query])
    context = inputs["y"].numpy()[: len(query)]
    target = target.numpy()
    assert not (~np.isnan(context) & ~np.isnan(target)).any()
    np.testing.assert_array_equal(np.where(np.isnan(context), target, context), Y[query])


def test_the_validation_collate_of_the_task_graph_shows_the_same_labels_every_epoch(rows):
    X, Y = rows
    batch = [(i, None) for i in range(60)]
    fixed = LabelMaskingCollate(
        FeatureMatrix(), X, Y, 0.5, np.random.default_rng(0), valid=np.arange(len(Y))
    )
    first, second = fixed(batch), fixed(batch)
    np.testing.assert_array_equal(first[0]["y"], second[0]["y"])
    np.testing.assert_array_equal(first[1], second[1])
    training = LabelMaskingCollate(FeatureMatrix(), X, Y, 0.5, np.random.default_rng(0))
    assert not np.array_equal(training(batch)[0]["y"], training(batch)[0]["y"], equal_nan=True)
    context, target = first[0]["y"].numpy(), first[1].numpy()
    np.testing.assert_array_equal(np.where(np.isnan(context), target, context), Y[:60])
    # The mask belongs to the row, not to its place in the batch.
    reordered = fixed(batch[::-1])
    np.testing.assert_array_equal(reordered[0]["y"].numpy()[::-1], context)


def test_the_validation_episode_shows_the_same_labels_and_support_every_epoch(rows):
    X, Y = rows
    collate = _episode_collate(X, Y, fixed=True)
    batch = [(i, None) for i in range(30)]
    first, second = collate(batch), collate(batch)
    for key in ("x", "y", "is_support"):
        np.testing.assert_array_equal(first[0][key], second[0][key])
    np.testing.assert_array_equal(first[1], second[1])


def test_a_visible_ratio_range_draws_a_ratio_per_row():
    Y = np.ones((400, 200))
    spread = visibility_mask(Y, (0.0, 1.0), np.random.default_rng(0)).mean(axis=1)
    single = visibility_mask(Y, 0.5, np.random.default_rng(0)).mean(axis=1)
    assert spread.min() < 0.1 and spread.max() > 0.9
    assert 0.35 < single.min() and single.max() < 0.65


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: MetaLinkClassifier(hidden=16, n_neighbors=0, **kw),
        lambda **kw: TaskGraphClassifier(hidden=16, task_hidden=8, **kw),
    ],
    ids=["metalink", "task_graph"],
)
def test_fit_with_a_visible_ratio_range_trains_on_that_range(rows, make):
    X, Y = rows
    common = dict(max_epochs=3, random_state=0, validation_fraction=0.2)
    ranged = make(visible_ratio=(0.2, 0.8), **common).fit(X, Y)
    P = ranged.predict_proba(X[:20], Y=np.where(np.isnan(Y[:20]), nan, Y[:20]))
    assert P.shape == (20, 5) and np.all((P > 0) & (P < 1))
    assert ranged.n_epochs_ == 3
    single = make(visible_ratio=0.5, **common).fit(X, Y)
    assert not np.allclose(ranged.predict_proba(X[:20]), single.predict_proba(X[:20]))


@pytest.mark.parametrize("estimator", [MetaLinkClassifier, TaskGraphClassifier])
def test_a_torch_module_as_encoder_is_trained_as_a_copy(rows, estimator):
    X, Y = rows
    torch.manual_seed(0)
    encoder = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh())
    before = [p.detach().clone() for p in encoder.parameters()]
    model = estimator(encoder=encoder, hidden=16, max_epochs=3, random_state=0).fit(X, Y)
    P = model.predict_proba(X[:10])
    assert P.shape == (10, 5) and np.all((P > 0) & (P < 1))
    trained = model.net_.module_.encoder
    assert trained is not encoder and isinstance(trained, torch.nn.Sequential)
    assert not all(torch.equal(p, q) for p, q in zip(trained.parameters(), before))
    assert all(torch.equal(p, q) for p, q in zip(encoder.parameters(), before))
    assert model.get_params()["encoder"] is encoder


def test_tasks_playing_new_tasks_are_named_and_leave_the_label_features(rows):
    X, Y = rows
    collate = EpisodeCollate(
        FeatureMatrix(), X, Y, np.arange(len(Y)), support_size=50, visible_ratio=0.5,
        rng=np.random.default_rng(0), few_shot_tasks=0.5,
    )
    x, _ = collate([(i, None) for i in range(20)])
    new = x["new_tasks"].numpy()[0]
    assert (x["new_tasks"].numpy() == new).all() and new.any() and not new.all()
    assert torch.isnan(x["y_features"][:, new]).all()


@pytest.mark.parametrize("visible_ratio", [0.5, (0.1, 0.9)])
def test_the_visibility_drawn_in_blocks_of_rows_is_the_one_drawn_at_once(monkeypatch, visible_ratio):
    from sklearn_metalink.estimators import _episodes
    from sklearn_metalink.utils import _validation

    rng = np.random.RandomState(0)
    Y = np.where(rng.rand(103, 7) < 0.3, np.nan, rng.rand(103, 7) < 0.5)
    at_once = np.random.RandomState(1)
    low, high = visible_ratio if isinstance(visible_ratio, tuple) else (visible_ratio,) * 2
    r = at_once.uniform(low, high, size=(103, 1))
    expected = ~np.isnan(Y) & (at_once.random(Y.shape) < r)
    monkeypatch.setattr(_validation, "_BLOCK_CELLS", 20)  # blocks of 2 rows
    mask = _episodes.visibility_mask(Y, visible_ratio, np.random.RandomState(1))
    np.testing.assert_array_equal(mask, expected)
    assert 0.2 < mask.sum() / (~np.isnan(Y)).sum() < 0.8
    # Validation keeps the mask of its rows only: the same draws, the same mask.
    rows = np.array([0, 1, 5, 50, 51, 102])
    some = _episodes.visibility_mask(Y, visible_ratio, np.random.RandomState(1), rows)
    np.testing.assert_array_equal(some, expected[rows])
