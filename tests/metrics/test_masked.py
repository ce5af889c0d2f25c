import numpy as np
import pytest
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from sklearn_metalink.metrics import (
    masked_average_precision_score,
    masked_log_loss,
    masked_roc_auc_score,
)

NAN = np.nan


@pytest.fixture
def labels():
    """Three tasks with both classes among their known labels, NaN for unknown."""
    Y = np.array(
        [[0, 1, NAN], [1, NAN, 0], [0, 0, 1], [1, 1, 0], [NAN, 0, 1], [1, 0, NAN], [0, 1, 1]]
    )
    P = np.array(
        [[.2, .7, .5], [.9, .1, .3], [.6, .2, .8], [.4, .6, .2], [.5, .3, .6], [.7, .5, .9],
         [.3, .4, .7]]
    )
    return Y, P


def _per_task(metric, Y, P, **kwargs):
    scores = []
    for t in range(Y.shape[1]):
        known = ~np.isnan(Y[:, t])
        weight = kwargs.get("sample_weight")
        row_weight = None if weight is None else weight[known]
        scores.append(metric(Y[known, t], P[known, t], sample_weight=row_weight))
    return np.mean(scores)


@pytest.mark.parametrize(
    "masked, metric",
    [
        (masked_roc_auc_score, roc_auc_score),
        (masked_average_precision_score, average_precision_score),
    ],
)
def test_macro_average_ignores_unknown_entries(labels, masked, metric):
    Y, P = labels
    assert masked(Y, P) == pytest.approx(_per_task(metric, Y, P))


def test_unknown_entries_do_not_change_the_score_whatever_their_prediction(labels):
    Y, P = labels
    P_other = np.where(np.isnan(Y), 1 - P, P)
    assert masked_roc_auc_score(Y, P) == masked_roc_auc_score(Y, P_other)


def test_macro_average_skips_tasks_with_one_class(labels):
    Y, P = labels
    one_class = np.column_stack([Y, np.where(np.isnan(Y[:, 0]), NAN, 1.0)])
    assert masked_roc_auc_score(one_class, np.column_stack([P, P[:, 0]])) == (
        masked_roc_auc_score(Y, P)
    )


def test_macro_average_is_nan_when_no_task_has_both_classes():
    assert np.isnan(masked_roc_auc_score([[1, NAN], [1, 0]], [[.4, .5], [.6, .5]]))


def test_micro_average_pools_the_known_entries(labels):
    Y, P = labels
    known = ~np.isnan(Y)
    assert masked_roc_auc_score(Y, P, average="micro") == roc_auc_score(Y[known], P[known])


def test_one_dimensional_input_scores_the_known_entries():
    y = np.array([0, 1, NAN, 1, 0])
    p = np.array([.2, .8, .9, .4, .5])
    assert masked_roc_auc_score(y, p) == roc_auc_score([0, 1, 1, 0], [.2, .8, .4, .5])


def test_sample_weight_weighs_the_rows_of_every_task(labels):
    Y, P = labels
    weight = np.array([1, 2, 1, 3, 1, 0.5, 2])
    expected = _per_task(roc_auc_score, Y, P, sample_weight=weight)
    assert masked_roc_auc_score(Y, P, sample_weight=weight) == pytest.approx(expected)


def test_log_loss_pools_known_entries_and_accepts_one_class_tasks():
    Y = np.array([[1, NAN], [1, 0], [NAN, 0]])
    P = np.array([[.8, .5], [.6, .3], [.5, .1]])
    expected = log_loss([1, 1, 0, 0], [.8, .6, .3, .1])
    assert masked_log_loss(Y, P) == pytest.approx(expected)


def test_log_loss_macro_averages_the_tasks():
    Y = np.array([[1, NAN], [1, 0], [NAN, 0]])
    P = np.array([[.8, .5], [.6, .3], [.5, .1]])
    expected = np.mean(
        [log_loss([1, 1], [.8, .6], labels=[0, 1]), log_loss([0, 0], [.3, .1], labels=[0, 1])]
    )
    assert masked_log_loss(Y, P, average="macro") == pytest.approx(expected)


def test_shape_mismatch_is_an_error_naming_both_shapes(labels):
    Y, P = labels
    with pytest.raises(ValueError, match=r"Y_true has shape \(7, 3\) but P has shape \(7, 2\)"):
        masked_roc_auc_score(Y, P[:, :2])


def test_labels_other_than_0_1_nan_are_an_error(labels):
    Y, P = labels
    Y = Y.copy()
    Y[0, 0] = 2
    with pytest.raises(ValueError, match=r"Y_true\[0, 0\] is 2.0"):
        masked_roc_auc_score(Y, P)


def test_unknown_average_is_an_error(labels):
    Y, P = labels
    with pytest.raises(ValueError, match="average must be 'macro' or 'micro', got 'weighted'"):
        masked_average_precision_score(Y, P, average="weighted")


@pytest.mark.parametrize(
    "masked", [masked_roc_auc_score, masked_average_precision_score, masked_log_loss]
)
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_labels_with_no_known_entry_are_a_value_error_for_both_averages(masked, average):
    with pytest.raises(ValueError, match="Y_true has no known label"):
        masked([[NAN]], [[0.5]], average=average)


@pytest.mark.parametrize("masked", [masked_roc_auc_score, masked_average_precision_score])
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_known_entries_of_one_class_score_nan_for_both_averages(masked, average):
    assert np.isnan(masked([[1, NAN], [1, 1]], [[.4, .5], [.6, .5]], average=average))
