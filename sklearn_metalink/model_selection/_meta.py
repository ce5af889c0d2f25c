"""Evaluation of the meta settings: tasks unseen in fit, predicted from a few labelled rows."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from ..utils import check_label_matrix
from ..utils._validation import check_label_matrix_2d, check_visible_ratio
from ._scorer import check_metric


def split_tasks(n_tasks, *, test_size=0.2, shuffle=False, random_state=None):
    """Split the columns of a label matrix into training tasks and new tasks.

    Parameters
    ----------
    n_tasks : int
        Number of columns.
    test_size : float in (0, 1) or int, default=0.2
        Share (rounded, at least 1) or number of new tasks.
    shuffle : bool, default=False
        False holds out the last columns, as the MetaLink paper did; True a random subset.
    random_state : int, RandomState instance or None, default=None
        Draws the subset when ``shuffle=True``.

    Returns
    -------
    train_tasks, new_tasks : ndarray of int
        Sorted column indices.

    Examples
    --------
    >>> split_tasks(12)
    (array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), array([10, 11]))
    """
    if not isinstance(n_tasks, numbers.Integral) or isinstance(n_tasks, bool) or n_tasks < 2:
        raise ValueError(f"n_tasks must be an int >= 2, got {n_tasks!r}")
    if isinstance(test_size, bool):
        raise ValueError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_new = int(test_size)
    elif isinstance(test_size, numbers.Real) and 0 < test_size < 1:
        n_new = max(1, round(test_size * n_tasks))
    else:
        raise ValueError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if not 1 <= n_new < n_tasks:
        raise ValueError(
            f"test_size={test_size!r} leaves {n_new} new and {n_tasks - n_new} training "
            f"task(s) out of n_tasks={n_tasks}; both need at least one"
        )
    order = check_random_state(random_state).permutation(n_tasks) if shuffle else np.arange(n_tasks)
    return np.sort(order[: n_tasks - n_new]), np.sort(order[n_tasks - n_new :])


def sample_support(Y, n_shots, *, random_state=None):
    """Keep ``n_shots`` known labels per column of Y, the others unknown.

    When a column has both classes and ``n_shots >= 2``, its sample holds at least one
    positive and one negative (a support without positives says nothing about a rare
    assay); the rest are drawn uniformly among its known labels.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_tasks)
        0/1 known, NaN unknown.
    n_shots : int or "all"
        Known labels kept per column; "all" keeps every one.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    Y_support : ndarray of shape (n_samples, n_tasks)
        Y with the labels not drawn set to NaN. Rows left without a known label can be
        dropped: ``Y_support[~np.isnan(Y_support).all(axis=1)]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink.model_selection import sample_support
    >>> rng = np.random.RandomState(0)
    >>> Y = (rng.rand(100, 2) < 0.2).astype(float)
    >>> Y_support = sample_support(Y, 4, random_state=0)
    >>> (~np.isnan(Y_support)).sum(axis=0)  # 4 known labels per task
    array([4, 4])
    >>> np.nansum(Y_support, axis=0) >= 1  # at least one positive each
    array([ True,  True])
    """
    Y = check_label_matrix(Y, name="Y", allow_all_unknown=True)
    Y = Y.reshape(len(Y), -1)
    if isinstance(n_shots, str) and n_shots == "all":
        return Y.copy()
    if not isinstance(n_shots, numbers.Integral) or n_shots < 1:
        raise ValueError(f"n_shots must be a positive int or 'all', got {n_shots!r}")
    rng = check_random_state(random_state)
    keep = np.zeros(Y.shape, dtype=bool)
    for task in range(Y.shape[1]):
        known = np.flatnonzero(~np.isnan(Y[:, task]))
        if len(known) <= n_shots:
            keep[known, task] = True
            continue
        chosen = []
        if n_shots >= 2:
            for label in (1, 0):
                of_class = known[Y[known, task] == label]
                if len(of_class):
                    chosen.append(rng.choice(of_class))
        rest = np.setdiff1d(known, chosen)
        chosen.extend(rng.choice(rest, n_shots - len(chosen), replace=False))
        keep[np.array(chosen, dtype=np.intp), task] = True
    return np.where(keep, Y, np.nan)


def score_new_tasks(
    model,
    X_support,
    Y_support,
    X_query,
    Y_query,
    *,
    visible_ratio=0.0,
    training_tasks=False,
    metric="roc_auc",
    average="macro",
    random_state=0,
):
    """Score a fitted model on tasks it never saw, from a support set, without refitting.

    Binds ``model`` to the support with :func:`~sklearn_metalink.with_support`, shows each
    known query label of the new tasks as context with probability ``visible_ratio`` (0:
    the meta setting, > 0: relational-meta), predicts and scores the hidden ones.

    Parameters
    ----------
    model : MetaLinkClassifier or Pipeline ending in one
        Fitted with ``task_nodes="shared"``.
    X_support, Y_support : support rows and their labels (n_support, n_columns)
    X_query, Y_query : query rows and their known labels (n_query, n_columns)
    visible_ratio : float in [0, 1), default=0.0
    training_tasks : bool, default=False
        Whether the first ``n_tasks_`` columns of both label matrices are the model's
        training tasks: their known labels are all context, never scored.
    metric : {"roc_auc", "average_precision", "neg_log_loss"}, default="roc_auc"
    average : {"macro", "micro"}, default="macro"
    random_state : int, default=0
        Draws the visible query labels.

    Returns
    -------
    score : float
        Greater is better.

    Examples
    --------
    Fit on four tasks, then score a fifth, never seen in fit, from 20 labelled rows:

    >>> import numpy as np
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.model_selection import sample_support, score_new_tasks
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(400, 8)
    >>> Y = (X[:, :5] > 0.5).astype(float)
    >>> clf = MetaLinkClassifier(hidden=32, max_epochs=5, task_nodes="shared",
    ...                          random_state=0).fit(X[:300], Y[:300, :4])
    >>> Y_support = sample_support(Y[:300, 4:], 20, random_state=0)
    >>> rows = ~np.isnan(Y_support).all(axis=1)
    >>> score = score_new_tasks(clf, X[:300][rows], Y_support[rows], X[300:], Y[300:, 4:])
    >>> 0 <= score <= 1
    True
    """
    from ..estimators import with_support

    score, sign = check_metric(metric, average)
    check_visible_ratio(visible_ratio)
    Y_query = check_label_matrix_2d(Y_query, n_rows=len(X_query), name="Y_query")
    if np.ndim(Y_support) == 1:  # one new task: keep the scores per column
        Y_support = np.asarray(Y_support).reshape(-1, 1)
    if Y_query.shape[1] != np.shape(Y_support)[1]:
        raise ValueError(
            f"Y_query has {Y_query.shape[1]} columns but Y_support has "
            f"{np.shape(Y_support)[1]}: both hold the same tasks"
        )
    n_fit = (model[-1] if hasattr(model, "steps") else model).n_tasks_ if training_tasks else 0
    bound = with_support(model, X_support, Y_support, training_tasks=training_tasks)
    known = ~np.isnan(Y_query)
    visible = known & (np.random.default_rng(random_state).random(Y_query.shape) < visible_ratio)
    visible[:, :n_fit] = known[:, :n_fit]
    hidden = known & ~visible
    if not hidden.any():
        raise ValueError(
            "Y_query has no label to score: every known label of the new tasks is shown as "
            f"context or none is known (visible_ratio={visible_ratio}). Pass query rows with "
            "known labels on the new tasks."
        )
    P = bound.predict_proba(X_query, Y=np.where(visible, Y_query, np.nan))
    return sign * score(np.where(hidden, Y_query, np.nan), P, average=average)

