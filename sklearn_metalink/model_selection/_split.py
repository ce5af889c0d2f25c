"""Splitters that pick test rows and decide which known labels of those rows are targets."""

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator, ShuffleSplit, check_cv
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.utils.validation import _num_samples

from ..utils._validation import check_label_matrix_2d, check_visible_ratio
from ._masking import TARGET_STREAM, entry_uniforms, row_digests, rows_rng
from ._scorer import make_relational_scorer


class _RelationalSplitter(GroupsConsumerMixin, BaseCrossValidator):
    """Row folds from the row splitter ``self._rows``; targets chosen from row content."""

    def __init__(self, *, visible_ratio, target_tasks, random_state):
        self.visible_ratio = visible_ratio
        self.target_tasks = target_tasks
        self.random_state = random_state
        _check_masking_params(visible_ratio, target_tasks, random_state)

    def split(self, X, y=None, groups=None):
        """Yield (train, test) row indices of each fold, from the row splitter.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Features, SMILES strings, ... whatever the row splitter needs.
        y : array-like of shape (n_samples, n_tasks), default=None
            Passed to the row splitter.
        groups : array-like of shape (n_samples,), default=None
            Passed to the row splitter (e.g. ``GroupKFold``, ``ScaffoldKFold``).

        Yields
        ------
        train, test : ndarray of int
            Row indices. Which labels of the test rows are targets is decided by
            :meth:`mask`, from the rows themselves.
        """
        return self._rows.split(X, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds of the row splitter.

        Parameters
        ----------
        X, y, groups : object
            Passed to the row splitter's ``get_n_splits``.

        Returns
        -------
        n_splits : int
        """
        return self._rows.get_n_splits(X, y, groups)

    def mask(self, X, Y):
        """Split the known labels of rows into context shown to the model and targets.

        The choice depends only on the rows given (their X and Y content, not their
        position or the fold they come from) and on ``random_state``, so a scorer running
        in another process recomputes it exactly. Rows with identical X and Y get the same
        mask.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            The rows, as given to the estimator (numeric features or SMILES strings).
        Y : array-like of shape (n_samples, n_tasks)
            Their labels: 0/1, NaN for unknown.

        Returns
        -------
        visible : ndarray of shape (n_samples, n_tasks)
            Y with the targets set to NaN: the context for ``predict_proba(X, Y=visible)``.
        target : ndarray of shape (n_samples, n_tasks)
            Y with everything but the targets set to NaN: the labels to score.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_metalink.model_selection import RelationalKFold
        >>> X = np.arange(8.0).reshape(4, 2)
        >>> Y = np.array([[1, 0, 1], [0, np.nan, 1], [1, 1, 0], [0, 0, np.nan]])
        >>> visible, target = RelationalKFold(2, target_tasks=[2], visible_ratio=0).mask(X, Y)
        >>> target
        array([[nan, nan,  1.],
               [nan, nan,  1.],
               [nan, nan,  0.],
               [nan, nan, nan]])
        >>> visible
        array([[ 1.,  0., nan],
               [ 0., nan, nan],
               [ 1.,  1., nan],
               [ 0.,  0., nan]])
        """
        Y = check_label_matrix_2d(Y, n_rows=_num_samples(X))
        digests = row_digests(X, Y, self.random_state)
        hidden = entry_uniforms(digests, Y.shape[1], TARGET_STREAM) >= self.visible_ratio
        targets = ~np.isnan(Y) & hidden & self._target_task_mask(digests, Y.shape[1])
        return np.where(targets, np.nan, Y), np.where(targets, Y, np.nan)

    def _target_task_mask(self, digests, n_tasks):
        tasks = np.zeros(n_tasks, dtype=bool)
        if self.target_tasks is None:
            tasks[:] = True
        elif isinstance(self.target_tasks, numbers.Real):
            n_chosen = max(1, round(self.target_tasks * n_tasks))
            tasks[rows_rng(digests).choice(n_tasks, size=n_chosen, replace=False)] = True
        else:
            out_of_range = [t for t in self.target_tasks if not 0 <= t < n_tasks]
            if out_of_range:
                raise ValueError(
                    f"target_tasks holds task indices {out_of_range} but Y has only "
                    f"{n_tasks} columns"
                )
            tasks[list(self.target_tasks)] = True
        return tasks

    def scorer(self, metric="roc_auc", *, average="macro"):
        """A scorer that hides this splitter's targets; see :func:`make_relational_scorer`.

        Parameters
        ----------
        metric : {"roc_auc", "average_precision", "neg_log_loss"}, default="roc_auc"
        average : {"macro", "micro"}, default="macro"

        Returns
        -------
        scorer : callable ``scorer(estimator, X, y)``
        """
        return make_relational_scorer(metric, cv=self, average=average)


def _check_masking_params(visible_ratio, target_tasks, random_state):
    check_visible_ratio(visible_ratio)
    if not isinstance(random_state, numbers.Integral) or isinstance(random_state, bool):
        raise ValueError(
            "random_state must be an int: every worker process re-derives the masks from "
            f"it, which a RandomState instance or None cannot guarantee; got {random_state!r}"
        )
    if target_tasks is None:
        return
    if isinstance(target_tasks, numbers.Real) and not isinstance(target_tasks, numbers.Integral):
        if not 0 < target_tasks < 1:
            raise ValueError(
                f"target_tasks as a fraction of the tasks must be in (0, 1), got {target_tasks!r}"
            )
        return
    if isinstance(target_tasks, numbers.Integral):
        raise ValueError(
            "target_tasks must be None, a fraction in (0, 1) or a list of task indices; got "
            f"the int {target_tasks!r} (for that task alone pass [{target_tasks!r}])"
        )
    tasks = list(target_tasks)
    valid = all(isinstance(t, numbers.Integral) and not isinstance(t, bool) for t in tasks)
    if not tasks or not valid or len(set(tasks)) != len(tasks):
        raise ValueError(
            "target_tasks as a list must hold distinct int column indices, at least one; "
            f"got {target_tasks!r}"
        )


class RelationalKFold(_RelationalSplitter):
    """K-fold cross-validation for relational multi-task models.

    Test rows come from a row splitter (:class:`~sklearn.model_selection.KFold` by
    default; any splitter such as ``GroupKFold`` or
    :class:`~sklearn_metalink.chem.ScaffoldKFold` can be given, ``groups`` are passed
    through). Among the known labels of the test rows, :meth:`mask` decides which are
    *targets*, hidden from the model and scored, and which are shown as context. Use it as
    ``cv=`` and its :meth:`scorer` as ``scoring=`` in ``GridSearchCV``,
    ``RandomizedSearchCV`` or ``cross_validate``.

    Parameters
    ----------
    cv : int, cross-validator or iterable, default=5
        The row splitter, as in :func:`sklearn.model_selection.check_cv`: an int is that
        many unshuffled ``KFold`` folds.
    visible_ratio : float in [0, 1), default=0.5
        Probability that a known label of a target task stays visible as context; the
        others are the targets. 0 hides whole target tasks (the standard setting when every
        task is a target).
    target_tasks : None, float in (0, 1) or list of int, default=None
        Tasks whose known labels can be targets; the known labels of other tasks are always
        visible. None: every task. A list: those column indices, in every fold. A fraction:
        that share of the tasks (at least one), drawn per fold from the set of test rows
        and ``random_state``.
    random_state : int, default=0
        Seeds the choice of targets (through a hash of each row's content). Must be an int,
        so that every process computes the same masks.

    See Also
    --------
    RelationalShuffleSplit : random train/test rows, with the same masking.
    make_relational_scorer : the scorer that hides the targets and scores them.

    Notes
    -----
    The targets of a row are derived from a keyed BLAKE2b digest of its content (X row and
    Y row) and ``random_state``: independent of the fold, of the row order and of the
    process, so a scorer given only ``(estimator, X_test, y_test)`` recomputes them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.model_selection import RelationalKFold
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(120, 6)
    >>> Y = (X[:, :3] + 0.3 * rng.rand(120, 3) > 0.6).astype(float)
    >>> Y[rng.rand(*Y.shape) < 0.2] = np.nan
    >>> cv = RelationalKFold(3, visible_ratio=0.5, random_state=0)
    >>> clf = MetaLinkClassifier(hidden=16, max_epochs=5, random_state=0)
    >>> result = cross_validate(clf, X, Y, cv=cv, scoring=cv.scorer("roc_auc"))
    >>> result["test_score"].shape
    (3,)
    """

    def __init__(self, cv=5, *, visible_ratio=0.5, target_tasks=None, random_state=0):
        self.cv = cv
        super().__init__(
            visible_ratio=visible_ratio, target_tasks=target_tasks, random_state=random_state
        )
        self._rows = check_cv(cv)


class RelationalShuffleSplit(_RelationalSplitter):
    """Random train/test row splits for relational multi-task models.

    :class:`~sklearn.model_selection.ShuffleSplit` picks the test rows, seeded by
    ``random_state``; :meth:`mask` decides which known labels of those rows are targets,
    exactly as in :class:`RelationalKFold`. For grouped rows, use
    ``RelationalKFold(GroupShuffleSplit(...))``.

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=None
        As in ``ShuffleSplit``: a fraction or a number of rows; 0.1 if both sizes are None.
    train_size : float or int, default=None
        As in ``ShuffleSplit``: the complement of ``test_size`` if None.
    visible_ratio : float in [0, 1), default=0.5
        Probability that a known label of a target task stays visible as context; the
        others are the targets. 0 hides whole target tasks (the standard setting when every
        task is a target).
    target_tasks : None, float in (0, 1) or list of int, default=None
        Tasks whose known labels can be targets; the known labels of other tasks are always
        visible. None: every task. A list: those column indices, in every fold. A fraction:
        that share of the tasks (at least one), drawn per fold from the set of test rows
        and ``random_state``.
    random_state : int, default=0
        Seeds the choice of targets (through a hash of each row's content). Must be an int,
        so that every process computes the same masks.

    See Also
    --------
    RelationalKFold : k folds, or any row splitter.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink.model_selection import RelationalShuffleSplit
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> Y = np.tile([[1.0, 0.0, np.nan]], (10, 1))
    >>> cv = RelationalShuffleSplit(3, test_size=0.2, random_state=0)
    >>> [test.tolist() for _, test in cv.split(X)]
    [[2, 8], [3, 5], [2, 3]]
    >>> visible, target = cv.mask(X[[2, 8]], Y[[2, 8]])
    >>> visible
    array([[nan,  0., nan],
           [nan, nan, nan]])
    >>> target
    array([[ 1., nan, nan],
           [ 1.,  0., nan]])
    """

    def __init__(
        self, n_splits=10, *, test_size=None, train_size=None, visible_ratio=0.5,
        target_tasks=None, random_state=0,
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        super().__init__(
            visible_ratio=visible_ratio, target_tasks=target_tasks, random_state=random_state
        )
        self._rows = ShuffleSplit(
            n_splits, test_size=test_size, train_size=train_size, random_state=random_state
        )
