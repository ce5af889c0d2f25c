"""Scorers that hide target labels, predict them from the rest, and score only them."""

import numpy as np

from ..metrics import masked_average_precision_score, masked_log_loss, masked_roc_auc_score

# metric name -> (masked metric, sign): scorers follow sklearn's greater-is-better rule.
_METRICS = {
    "roc_auc": (masked_roc_auc_score, 1),
    "average_precision": (masked_average_precision_score, 1),
    "neg_log_loss": (masked_log_loss, -1),
}


def check_relational_splitter(cv):
    """Refuse anything but a relational splitter, which alone knows the targets: an object
    whose ``mask(X, Y)`` splits known labels into context and targets."""
    if not callable(getattr(cv, "mask", None)):
        raise TypeError(
            "cv must be a RelationalKFold or RelationalShuffleSplit, which decides the hidden "
            f"labels; got {cv!r}. Wrap a row splitter as RelationalKFold(splitter)."
        )
    return cv


def check_metric(metric, average):
    """Validate a metric name and an average; return the masked metric and its sign."""
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}")
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'macro' or 'micro', got {average!r}")
    return _METRICS[metric]


class _RelationalScorer:
    def __init__(self, metric, cv, average):
        self.metric = metric
        self.cv = cv
        self.average = average
        self._score, self._sign = check_metric(metric, average)

    def __call__(self, estimator, X, y, sample_weight=None):
        visible, target = self.cv.mask(X, y)
        if np.isnan(target).all():
            raise ValueError(
                f"None of the {len(target)} rows given to the scorer has a known label chosen "
                f"as target (visible_ratio={self.cv.visible_ratio}, target_tasks="
                f"{self.cv.target_tasks!r}): there is nothing to score. Use folds with more "
                "rows, or a lower visible_ratio."
            )
        P = estimator.predict_proba(X, Y=visible)
        score = self._score(target, P, average=self.average, sample_weight=sample_weight)
        return self._sign * score

    def __repr__(self):
        return (
            f"make_relational_scorer({self.metric!r}, cv={self.cv!r}, "
            f"average={self.average!r})"
        )


def make_relational_scorer(metric="roc_auc", *, cv, average="macro"):
    """Scorer for relational models: predict hidden labels from the visible ones.

    Called as ``scorer(estimator, X, y)`` by ``GridSearchCV``, ``cross_validate`` and the
    like, it splits the known labels of ``y`` with ``cv.mask(X, y)`` into visible context
    and targets, calls ``estimator.predict_proba(X, Y=visible)`` (a ``Pipeline`` forwards
    ``Y`` to its last step) and scores the predictions on the targets only. The targets
    never reach the estimator, so echoing the context back cannot raise the score.

    Parameters
    ----------
    metric : {"roc_auc", "average_precision", "neg_log_loss"}, default="roc_auc"
        :func:`~sklearn_metalink.metrics.masked_roc_auc_score`,
        :func:`~sklearn_metalink.metrics.masked_average_precision_score` or minus
        :func:`~sklearn_metalink.metrics.masked_log_loss` (greater is better).
    cv : RelationalKFold or RelationalShuffleSplit
        The splitter whose masking parameters (``visible_ratio``, ``target_tasks``,
        ``random_state``) decide the targets; pass the same object as ``cv=`` to the
        search. Its row folds do not matter here: the mask is recomputed from the rows the
        scorer is given. ``cv.scorer(metric)`` is the same scorer.
    average : {"macro", "micro"}, default="macro"
        "macro": mean over tasks whose targets hold both classes; "micro": all targets
        pooled.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``; picklable. NaN when no
        task has targets of both classes (macro ROC-AUC, average precision).

    Raises
    ------
    ValueError
        If ``metric`` or ``average`` is unknown.
    TypeError
        If ``cv`` is not a relational splitter.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.model_selection import RelationalKFold, make_relational_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(120, 6)
    >>> Y = (X[:, :3] + 0.3 * rng.rand(120, 3) > 0.6).astype(float)
    >>> cv = RelationalKFold(3, visible_ratio=0.5, random_state=0)
    >>> search = GridSearchCV(
    ...     MetaLinkClassifier(max_epochs=5, random_state=0),
    ...     {"hidden": [8, 16]},
    ...     cv=cv,
    ...     scoring=make_relational_scorer("roc_auc", cv=cv),
    ... ).fit(X, Y)
    >>> sorted(search.best_params_)
    ['hidden']
    """
    return _RelationalScorer(metric, check_relational_splitter(cv), average)
