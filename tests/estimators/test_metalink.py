import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from skorch.callbacks import Callback, Checkpoint
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.metrics import masked_roc_auc_score

nan = np.nan
FAST = dict(hidden=32, max_epochs=15, lr=1e-2, random_state=0)


@pytest.fixture(scope="module")
def data():
    """8 features, 5 correlated tasks, 30 % of labels unknown."""
    rng = np.random.RandomState(0)
    X = rng.rand(240, 8)
    Y = (X[:, :5] + 0.3 * rng.rand(240, 5) > 0.6).astype(float)
    Y[rng.rand(*Y.shape) < 0.3] = nan
    return X, Y


@pytest.fixture(scope="module")
def fitted(data):
    return MetaLinkClassifier(**FAST).fit(*data)


@pytest.fixture(scope="module")
def context(data):
    """Half of the known labels of the first 60 rows, the rest hidden."""
    X, Y = data
    visible = np.where(np.random.RandomState(1).rand(60, 5) < 0.5, Y[:60], nan)
    return X[:60], visible


def test_predict_proba_is_a_probability_per_task(fitted, data):
    P = fitted.predict_proba(data[0])
    assert P.shape == (240, 5)
    assert np.all((P > 0) & (P < 1))


def test_predict_thresholds_predict_proba_at_one_half(fitted, data):
    np.testing.assert_array_equal(fitted.predict(data[0]), fitted.predict_proba(data[0]) > 0.5)


def test_predict_proba_uses_known_labels_of_the_query_row(fitted, context):
    X, visible = context
    assert not np.allclose(fitted.predict_proba(X), fitted.predict_proba(X, Y=visible))


def test_same_random_state_gives_bit_identical_predictions(data, context):
    first = MetaLinkClassifier(**FAST).fit(*data).predict_proba(*context)
    second = MetaLinkClassifier(**FAST).fit(*data).predict_proba(*context)
    np.testing.assert_array_equal(first, second)


def test_fit_leaves_the_global_torch_random_state_alone(data):
    before = torch.get_rng_state()
    MetaLinkClassifier(**FAST).fit(*data)
    assert torch.equal(before, torch.get_rng_state())


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


def test_another_number_of_torch_threads_changes_only_the_last_bits(fitted, data, context):
    # Matrix products of few rows and the backward pass split their sums by thread
    # (docs/metalink.md); the tolerance the docs state is 1e-6.
    expected = fitted.predict_proba(*context)
    predicted = copy.deepcopy(fitted).set_params(n_threads=2).predict_proba(*context)
    np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-6)
    refitted = MetaLinkClassifier(**FAST, n_threads=2).fit(*data).predict_proba(*context)
    np.testing.assert_allclose(refitted, expected, rtol=0, atol=1e-6)


def test_predictions_follow_the_order_of_the_rows(fitted, context):
    X, visible = context
    order = np.random.RandomState(0).permutation(len(X))
    np.testing.assert_allclose(
        fitted.predict_proba(X[order], Y=visible[order]),
        fitted.predict_proba(X, Y=visible)[order],
        rtol=1e-6,
    )


def test_two_calls_with_the_same_input_give_the_same_output(fitted, context):
    np.testing.assert_array_equal(fitted.predict_proba(*context), fitted.predict_proba(*context))


def test_pickle_round_trip_predicts_the_same(fitted, context):
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(*context), fitted.predict_proba(*context))


def _pickle_growth(n_neighbors):
    """Bytes a pickle gains from 1,800 more fit rows of 50 float features and 3 tasks."""
    rng = np.random.RandomState(0)
    X = rng.rand(2000, 50)
    Y = (X[:, :3] > 0.5).astype(float)
    params = dict(hidden=8, max_epochs=1, validation_fraction=None, n_neighbors=n_neighbors,
                  random_state=0)
    small = len(pickle.dumps(MetaLinkClassifier(**params).fit(X[:200], Y[:200])))
    large = len(pickle.dumps(MetaLinkClassifier(**params).fit(X, Y)))
    return large - small


def test_without_neighbours_the_pickle_does_not_grow_with_the_training_rows():
    assert _pickle_growth(n_neighbors=0) < 10_000  # 1,800 rows of X alone would add 720 kB


def test_with_neighbours_the_pickle_holds_the_fit_rows_once_in_float32():
    one_copy = 1800 * (50 + 3) * 4
    assert one_copy <= _pickle_growth(n_neighbors=25) < 1.1 * one_copy


def test_clone_is_unfitted_with_the_same_params(fitted):
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    assert not hasattr(twin, "net_")


def test_pipeline_forwards_known_labels_to_predict_proba(data, context):
    pipe = make_pipeline(StandardScaler(), MetaLinkClassifier(**FAST)).fit(*data)
    X, visible = context
    direct = pipe[-1].predict_proba(pipe[0].transform(X), Y=visible)
    np.testing.assert_array_equal(pipe.predict_proba(X, Y=visible), direct)


def test_sparse_and_dense_features_give_the_same_model(data):
    X, Y = data
    dense = MetaLinkClassifier(**FAST).fit(X, Y).predict_proba(X[:20])
    sparse = MetaLinkClassifier(**FAST).fit(sp.csr_matrix(X), Y).predict_proba(sp.csr_matrix(X[:20]))
    # The column statistics of sparse and dense X differ by float rounding, which 15 epochs
    # at lr=1e-2 can amplify (3e-7 with most weight decays, 5e-4 with this one); a column
    # scaled or ordered differently moves predictions by far more.
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-3)


def test_dataframe_columns_become_task_names(data):
    X, Y = data
    frame = pd.DataFrame(Y, columns=[f"assay_{i}" for i in range(5)])
    clf = MetaLinkClassifier(**FAST).fit(X, frame)
    assert list(clf.task_names_) == list(frame.columns)
    assert clf.predict_proba(X[:3], Y=frame.iloc[:3]).shape == (3, 5)


def test_nullable_float_labels_with_pd_na_fit_as_unknown_labels(data):
    X, Y = data
    frame = pd.DataFrame(Y, columns=list("abcde")).astype("Float64")
    assert frame.isna().to_numpy().sum() == np.isnan(Y).sum()  # NaN became pd.NA
    small = dict(FAST, max_epochs=2)
    from_frame = MetaLinkClassifier(**small).fit(X, frame)
    from_array = MetaLinkClassifier(**small).fit(X, Y)
    np.testing.assert_array_equal(from_frame.predict_proba(X), from_array.predict_proba(X))


def test_nullable_one_dimensional_labels_with_pd_na_fit_a_binary_classifier(data):
    X, Y = data
    y = pd.Series(Y[:, 0]).astype("Float64")
    clf = MetaLinkClassifier(**dict(FAST, max_epochs=2)).fit(X, y)
    assert list(clf.classes_) == [0, 1]


def test_context_columns_in_another_order_are_rejected(data):
    X, Y = data
    frame = pd.DataFrame(Y, columns=list("abcde"))
    clf = MetaLinkClassifier(**FAST).fit(X, frame)
    with pytest.raises(ValueError, match="in another order"):
        clf.predict_proba(X[:3], Y=frame.iloc[:3, ::-1])


def test_one_dimensional_y_makes_a_binary_classifier_with_its_own_classes(data):
    X, Y = data
    y = np.where(X[:, 0] > 0.5, "toxic", "clean")
    clf = MetaLinkClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["clean", "toxic"]
    assert clf.predict_proba(X).shape == (240, 2)
    assert np.mean(clf.predict(X) == y) > 0.8


def test_classes_are_zero_and_one_per_task(fitted):
    assert len(fitted.classes_) == 5
    assert all(list(c) == [0, 1] for c in fitted.classes_)


def test_score_is_the_nan_aware_macro_roc_auc(fitted, data):
    X, Y = data
    assert fitted.score(X, Y) == masked_roc_auc_score(Y, fitted.predict_proba(X))


def test_user_callbacks_run_and_history_is_exposed(data):
    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = CountEpochs()
    clf = MetaLinkClassifier(**{**FAST, "max_epochs": 3}, callbacks=[counter]).fit(*data)
    assert len(clf.net_.history) == 3
    assert "valid_loss" in clf.net_.history[-1]
    assert clf.callbacks[0].__class__ is CountEpochs  # the parameter itself is not replaced


@pytest.mark.parametrize(
    "validation_fraction, monitor", [(0.1, "valid_loss_best"), (None, "train_loss_best")]
)
def test_a_checkpoint_callback_saves_the_best_epoch_as_the_docs_say(
    data, tmp_path, validation_fraction, monitor
):
    checkpoint = Checkpoint(monitor=monitor, dirname=str(tmp_path))
    clf = MetaLinkClassifier(
        **{**FAST, "max_epochs": 3}, validation_fraction=validation_fraction,
        callbacks=[checkpoint],
    ).fit(*data)
    assert (tmp_path / "params.pt").exists()
    assert any(row["event_cp"] for row in clf.net_.history)


def test_verbose_prints_the_skorch_epoch_table(data, capsys):
    MetaLinkClassifier(**{**FAST, "max_epochs": 2}, verbose=1).fit(*data)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out


def test_early_stopping_stops_when_validation_loss_stalls():
    rng = np.random.RandomState(0)
    X, noise = rng.rand(300, 20), (rng.rand(300, 4) > 0.5).astype(float)
    clf = MetaLinkClassifier(hidden=64, lr=1e-2, max_epochs=100, patience=3, random_state=0)
    losses = clf.fit(X, noise).net_.history[:, "valid_loss"]
    assert len(losses) < 100
    assert np.argmin(losses) == len(losses) - 1 - 3


def test_without_validation_fraction_it_trains_every_epoch(data):
    clf = MetaLinkClassifier(**{**FAST, "max_epochs": 4}, validation_fraction=None).fit(*data)
    assert len(clf.net_.history) == 4
    assert "valid_loss" not in clf.net_.history[-1]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_picks_the_same_parameters_in_parallel(data, n_jobs):
    X, Y = data
    search = GridSearchCV(
        MetaLinkClassifier(**{**FAST, "max_epochs": 4}),
        {"hidden": [8, 32]},
        cv=KFold(3),
        n_jobs=n_jobs,
    ).fit(X, Y)
    reference = GridSearchCV(
        MetaLinkClassifier(**{**FAST, "max_epochs": 4}), {"hidden": [8, 32]}, cv=KFold(3)
    ).fit(X, Y)
    assert search.best_params_ == reference.best_params_
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"])


def test_known_labels_raise_hidden_entry_auc_on_correlated_tasks():
    """Tasks 1..5 are noisy copies of task 0, which X predicts only weakly."""
    rng = np.random.RandomState(0)
    n = 1200
    X = rng.rand(n, 10)
    latent = (X[:, 0] + 1.5 * rng.rand(n)) > 1.25
    Y = np.column_stack([latent ^ (rng.rand(n) < 0.05) for _ in range(6)]).astype(float)
    train, test = np.arange(900), np.arange(900, n)
    clf = MetaLinkClassifier(hidden=32, max_epochs=20, random_state=0).fit(X[train], Y[train])

    visible = np.full((len(test), 6), nan)
    visible[:, 0] = Y[test, 0]  # task 0 is known, tasks 1..5 are to be predicted
    target = np.where(np.isnan(visible), Y[test], nan)
    without = masked_roc_auc_score(target, clf.predict_proba(X[test]))
    with_context = masked_roc_auc_score(target, clf.predict_proba(X[test], Y=visible))
    assert without < 0.8
    assert with_context > 0.9


def test_the_pickle_carries_no_optimizer_state(data):
    fitted = MetaLinkClassifier(**FAST, n_neighbors=0).fit(*data)
    weights = sum(p.numel() * 4 for p in fitted.net_.module_.parameters())
    assert len(fitted.net_.optimizer_.state) == 0
    assert len(pickle.dumps(fitted)) < 1.5 * weights + 100_000


def test_the_average_can_be_turned_off_and_changes_the_model(data):
    X, Y = data
    averaged = MetaLinkClassifier(**{**FAST, "max_epochs": 6}).fit(X, Y)
    raw = MetaLinkClassifier(**{**FAST, "max_epochs": 6}, average_weights=False).fit(X, Y)
    assert "weight_average" in dict(averaged.net_.callbacks_)
    assert "weight_average" not in dict(raw.net_.callbacks_)
    assert not np.allclose(averaged.predict_proba(X), raw.predict_proba(X))


@pytest.mark.parametrize(
    "task_nodes, average_weights, averaged",
    [("learned", "auto", True), ("shared", "auto", False), ("shared", True, True)],
)
def test_auto_averages_the_weights_of_learned_task_nodes_only(
    data, task_nodes, average_weights, averaged
):
    X, Y = data
    clf = MetaLinkClassifier(
        **{**FAST, "max_epochs": 1}, task_nodes=task_nodes, average_weights=average_weights
    ).fit(X, Y)
    assert ("weight_average" in dict(clf.net_.callbacks_)) is averaged


def test_the_fitted_model_keeps_no_copy_of_the_weights(fitted):
    # The average and the raw weights serve training only (the pickle size test above
    # bounds what a pickle carries).
    callback = dict(fitted.net_.callbacks_)["weight_average"]
    assert callback.average_ is None and callback.raw_ is None


@pytest.mark.parametrize("label_pairs", [True, False])
def test_label_pairs_carry_one_assay_to_another(label_pairs):
    """With no message passing, no label features and no neighbours, a row's known labels
    reach the other tasks through the label pairs alone: task 1 copies task 0, and X says
    nothing about either."""
    rng = np.random.RandomState(0)
    X = rng.rand(400, 4)
    Y = rng.randint(0, 2, (400, 3)).astype(float)
    Y[:, 1] = Y[:, 0]
    clf = MetaLinkClassifier(
        **FAST, n_layers=0, label_features=False, n_neighbors=0, label_pairs=label_pairs
    ).fit(X[:300], Y[:300])
    context = np.where([True, False, False], Y[300:], nan)
    target = np.where([False, True, False], Y[300:], nan)
    auc = masked_roc_auc_score(target, clf.predict_proba(X[300:], Y=context))
    assert auc > 0.99 if label_pairs else auc < 0.7


def test_weight_decay_leaves_the_label_pair_weights_alone():
    """A pair weight moves only in steps whose rows know both of its tasks; the penalty
    would pull it to 0 in all the others. Task 1 copies task 0, as above."""
    rng = np.random.RandomState(0)
    X, Y = rng.rand(300, 4), rng.randint(0, 2, (300, 3)).astype(float)
    Y[:, 1] = Y[:, 0]

    def copy_weight(weight_decay):
        clf = MetaLinkClassifier(
            **FAST, n_layers=0, label_features=False, n_neighbors=0, weight_decay=weight_decay
        ).fit(X, Y)
        return clf.net_.module_.label_pair_weight[0, 1].item()

    undecayed = copy_weight(0.0)
    assert undecayed > 0.2
    # Other weights decay, so the pair weight's gradients differ a little; a decayed pair
    # weight would fall to 0.17.
    assert copy_weight(0.5) == pytest.approx(undecayed, abs=0.01)


@pytest.mark.parametrize("n_rows", [100, 400])
def test_automatic_weight_decay_weighs_less_as_rows_are_added(n_rows):
    rng = np.random.RandomState(0)
    X, Y = rng.rand(n_rows, 4), rng.randint(0, 2, (n_rows, 3)).astype(float)
    decays = {
        name: [group["weight_decay"] for group in
               MetaLinkClassifier(**dict(FAST, max_epochs=1), weight_decay=name).fit(X, Y)
               .net_.optimizer_.param_groups]
        for name in ("auto", 1e-3)
    }
    # One group for the label pairs (never decayed), one for every other weight.
    assert sorted(decays["auto"]) == [0.0, pytest.approx(3.0 / n_rows)]
    assert sorted(decays[1e-3]) == [0.0, 1e-3]
    assert MetaLinkClassifier().weight_decay == "auto"


def test_automatic_weight_decay_stops_at_the_fixed_default():
    # 3 / n would be 3.75e-4 at 8,000 rows: "auto" is never weaker than the 5e-4 it replaced.
    rng = np.random.RandomState(0)
    X, Y = rng.rand(8000, 4), rng.randint(0, 2, (8000, 3)).astype(float)
    clf = MetaLinkClassifier(**dict(FAST, max_epochs=1), n_neighbors=0).fit(X, Y)
    assert sorted(group["weight_decay"] for group in clf.net_.optimizer_.param_groups) == [0.0, 5e-4]
