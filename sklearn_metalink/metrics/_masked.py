"""Metrics over partially known label matrices: NaN entries of Y_true are ignored."""

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score
from sklearn.utils import check_array

from ..utils import check_label_matrix


def _columns(Y_true, P, sample_weight):
    Y_true = check_label_matrix(Y_true, name="Y_true")
    P = check_array(P, ensure_2d=False, dtype=np.float64, input_name="P")
    if Y_true.shape != P.shape:
        raise ValueError(f"Y_true has shape {Y_true.shape} but P has shape {P.shape}")
    Y_true, P = Y_true.reshape(len(Y_true), -1), P.reshape(len(P), -1)
    w = None if sample_weight is None else np.broadcast_to(
        np.asarray(sample_weight, dtype=np.float64)[:, None], Y_true.shape
    )
    return Y_true, P, w


def _masked_score(metric, Y_true, P, sample_weight, average, needs_both_classes):
    """The metric per task over its known entries, averaged; "micro" pools every known entry
    into one task. A task with nothing to score (no known entry, or one class when the metric
    needs both) is skipped, and NaN is returned when none is left."""
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'macro' or 'micro', got {average!r}")
    Y_true, P, w = _columns(Y_true, P, sample_weight)
    if average == "micro":
        known = ~np.isnan(Y_true)
        Y_true, P = Y_true[known][:, None], P[known][:, None]
        w = None if w is None else w[known][:, None]
    scores = []
    for t in range(Y_true.shape[1]):
        known = ~np.isnan(Y_true[:, t])
        y = Y_true[known, t]
        if len(y) == 0 or (needs_both_classes and len(np.unique(y)) < 2):
            continue
        scores.append(metric(y, P[known, t], sample_weight=None if w is None else w[known, t]))
    return float(np.mean(scores)) if scores else np.nan


def masked_roc_auc_score(Y_true, P, *, average="macro", sample_weight=None):
    """ROC-AUC over the known entries of a label matrix.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        0/1 for entries to score, NaN for entries to ignore.
    P : array-like of the same shape
        Predicted probability (or any score) of label 1.
    average : {"macro", "micro"}, default="macro"
        "macro": mean over tasks whose known entries hold both classes (others are
        skipped; NaN if none is left). "micro": one ROC-AUC over all known entries pooled
        (NaN if they hold one class only).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        If Y_true has no known entry: there is nothing to score.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[0, 1], [1, np.nan], [0, 0], [1, 1]])
    >>> P = np.array([[.1, .9], [.8, .5], [.3, .2], [.7, .6]])
    >>> masked_roc_auc_score(Y, P)
    1.0
    """
    return _masked_score(roc_auc_score, Y_true, P, sample_weight, average, True)


def masked_average_precision_score(Y_true, P, *, average="macro", sample_weight=None):
    """Average precision over the known entries of a label matrix.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        0/1 for entries to score, NaN for entries to ignore.
    P : array-like of the same shape
        Predicted probability (or any score) of label 1.
    average : {"macro", "micro"}, default="macro"
        "macro": mean over tasks whose known entries hold both classes (others are
        skipped; NaN if none is left). "micro": one score over all known entries pooled
        (NaN if they hold one class only).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        If Y_true has no known entry: there is nothing to score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink.metrics import masked_average_precision_score
    >>> Y = np.array([[0, 1], [1, np.nan], [0, 0], [1, 1]])
    >>> P = np.array([[.1, .9], [.8, .5], [.3, .2], [.7, .6]])
    >>> masked_average_precision_score(Y, P)
    1.0
    """
    return _masked_score(average_precision_score, Y_true, P, sample_weight, average, True)


def masked_log_loss(Y_true, P, *, average="micro", sample_weight=None):
    """Log-loss over the known entries of a label matrix.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        0/1 for entries to score, NaN for entries to ignore.
    P : array-like of the same shape
        Predicted probability of label 1.
    average : {"micro", "macro"}, default="micro"
        "micro": one log-loss over all known entries pooled. "macro": mean over tasks
        with at least one known entry.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    loss : float
        Lower is better.

    Raises
    ------
    ValueError
        If Y_true has no known entry: there is nothing to score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink.metrics import masked_log_loss
    >>> Y = np.array([[1, np.nan], [0, 1]])
    >>> P = np.array([[0.5, 0.9], [0.5, 0.5]])  # the NaN entry's 0.9 is ignored
    >>> round(masked_log_loss(Y, P), 4)  # log 2
    0.6931
    """

    def metric(y, p, sample_weight=None):
        return log_loss(y, p, sample_weight=sample_weight, labels=[0, 1])

    return _masked_score(metric, Y_true, P, sample_weight, average, False)
