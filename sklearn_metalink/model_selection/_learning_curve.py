"""How the score on hidden labels grows with the number of labels known per test row."""

import numbers

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils.validation import _num_samples

from ._masking import CONTEXT_STREAM, entry_uniforms, row_digests
from ..utils._validation import check_label_matrix_2d
from ._scorer import check_metric, check_relational_splitter
from ._split import RelationalKFold


def relational_learning_curve(
    estimator, X, Y, *, n_known=(0, 1, 2, 4), cv=5, metric="roc_auc", average="macro",
    groups=None, n_jobs=None,
):
    """Score on hidden labels as a function of how many labels of each test row are known.

    For each fold of ``cv``, the estimator is fitted once on the training rows; the targets
    of the test rows are chosen by ``cv.mask``, and the same targets are scored for every
    value of ``n_known``, with that many of the row's visible labels given as context (in
    a fixed random order per row, so the contexts are nested). A row with fewer visible
    labels shows all of them.

    Parameters
    ----------
    estimator : estimator with ``fit(X, Y)`` and ``predict_proba(X, Y=...)``
        Cloned for every fold.
    X : array-like or sparse matrix of shape (n_samples, ...)
    Y : array-like of shape (n_samples, n_tasks)
        0/1 labels, NaN for unknown.
    n_known : sequence of int, or sequence of float in [0, 1], default=(0, 1, 2, 4)
        Ints: labels shown per test row. Floats: fraction of each row's visible labels.
    cv : int, RelationalKFold or RelationalShuffleSplit, default=5
        Row folds and targets; an int is ``RelationalKFold(cv)``. With the default
        ``visible_ratio=0.5``, half of a row's known labels are targets and the other half
        is the pool that ``n_known`` draws the context from.
    metric : {"roc_auc", "average_precision", "neg_log_loss"}, default="roc_auc"
    average : {"macro", "micro"}, default="macro"
    groups : array-like of shape (n_samples,), default=None
        Passed to the row splitter.
    n_jobs : int, default=None
        Folds fitted in parallel through joblib.

    Returns
    -------
    curve : pandas.DataFrame
        Columns ``n_known``, ``fold``, ``score``: one row per fold and value of
        ``n_known``. ``curve.attrs["metric"]`` names the metric.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.model_selection import relational_learning_curve
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(120, 6)
    >>> Y = (X[:, :1] + 0.5 * rng.rand(120, 4) > 0.7).astype(float)
    >>> clf = MetaLinkClassifier(hidden=16, max_epochs=5, random_state=0)
    >>> curve = relational_learning_curve(clf, X, Y, n_known=(0, 2), cv=3)
    >>> curve.shape, list(curve.columns)
    ((6, 3), ['n_known', 'fold', 'score'])
    """
    score, sign = check_metric(metric, average)
    n_known = _check_n_known(n_known)
    cv = RelationalKFold(cv) if isinstance(cv, numbers.Integral) else check_relational_splitter(cv)
    Y = check_label_matrix_2d(Y, n_rows=_num_samples(X))
    X, Y, groups = indexable(X, Y, groups)
    folds = Parallel(n_jobs=n_jobs)(
        delayed(_fold_scores)(clone(estimator), X, Y, train, test, cv, n_known, score, average)
        for train, test in cv.split(X, Y, groups)
    )
    rows = [
        (k, fold, sign * s) for fold, scores in enumerate(folds) for k, s in zip(n_known, scores)
    ]
    curve = pd.DataFrame(rows, columns=["n_known", "fold", "score"])
    curve.attrs["metric"] = metric
    return curve


def _check_n_known(n_known):
    values = np.atleast_1d(n_known)
    counts = values.dtype.kind in "iu" and (values >= 0).all()
    fractions = values.dtype.kind == "f" and ((values >= 0) & (values <= 1)).all()
    if values.ndim != 1 or not len(values) or not (counts or fractions):
        raise ValueError(
            "n_known must be a sequence of non-negative ints (labels shown per row) or of "
            f"floats in [0, 1] (fraction of the row's visible labels); got {n_known!r}"
        )
    return values.tolist()


def _fold_scores(estimator, X, Y, train, test, cv, n_known, score, average):
    estimator.fit(_safe_indexing(X, train), Y[train])
    X_test = _safe_indexing(X, test)
    visible, target = cv.mask(X_test, Y[test])
    rank = _context_rank(X_test, Y[test], visible, cv.random_state)
    pool = (~np.isnan(visible)).sum(axis=1, keepdims=True)
    scores = []
    for k in n_known:
        limit = np.round(k * pool) if isinstance(k, float) else k
        context = np.where(rank < limit, visible, np.nan)
        scores.append(score(target, estimator.predict_proba(X_test, Y=context), average=average))
    return scores


def _context_rank(X, Y, visible, random_state):
    """Rank of each visible label in its row's random reveal order (inf if not visible)."""
    order = entry_uniforms(row_digests(X, Y, random_state), Y.shape[1], CONTEXT_STREAM)
    order[np.isnan(visible)] = np.inf
    rank = np.argsort(np.argsort(order, axis=1), axis=1).astype(float)
    rank[np.isnan(visible)] = np.inf
    return rank


def plot_relational_learning_curve(curve, ax=None):
    """Plot the mean and standard deviation over folds of a relational learning curve.

    Parameters
    ----------
    curve : pandas.DataFrame
        The output of :func:`relational_learning_curve` (columns ``n_known``, ``score``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_metalink.model_selection import plot_relational_learning_curve
    >>> curve = pd.DataFrame({"n_known": [0, 0, 2, 2], "fold": [0, 1, 0, 1],
    ...                       "score": [0.70, 0.72, 0.78, 0.80]})
    >>> ax = plot_relational_learning_curve(curve)
    >>> ax.get_xlabel()
    'labels known per test row'
    """
    import matplotlib.pyplot as plt

    missing = {"n_known", "score"} - set(getattr(curve, "columns", ()))
    if missing:
        raise ValueError(
            f"curve must be a DataFrame from relational_learning_curve; it lacks {sorted(missing)}"
        )
    if ax is None:
        _, ax = plt.subplots()
    stats = curve.groupby("n_known")["score"].agg(["mean", "std"])
    ax.errorbar(stats.index, stats["mean"], yerr=stats["std"].fillna(0), marker="o", capsize=3)
    fractions = curve["n_known"].dtype.kind == "f"
    ax.set_xlabel(
        "fraction of visible labels known per test row" if fractions
        else "labels known per test row"
    )
    ax.set_ylabel(f"{curve.attrs.get('metric', 'score')} on hidden labels")
    return ax
