"""The estimator plumbing shared by the relational classifiers of the package.

A relational classifier maps X and the known labels of a row (NaN = unknown) to a logit per
task, through a torch module trained by a skorch ``NeuralNet`` with random label masking.
This base validates X, Y and the context, splits off rows for early stopping, runs the fit
under a forked torch random state, and predicts in chunks. A subclass supplies:

* ``_inputs()``: the input kind of X (see ``_inputs.py``);
* ``_build_module(X)``: the torch module, called as ``module(x=..., y=...)`` at inference;
* ``_collate(X, Y, pool, visible_ratio, rng, valid, prepared)``: the skorch ``collate_fn``
  of a training (``valid=None``) or validation batch (``valid``: the validation rows, whose
  visible labels are drawn once), with a ``release()``;
* optionally ``_criterion(Y, train)``, ``_before_training(X, Y)`` (whose return value, the data
  training alone needs, reaches ``_collate`` and ``_after_training`` as ``prepared``),
  ``_after_training(X, Y, rng, prepared)`` and ``_batch(X, Y, rows)`` (the module inputs of
  some rows).
"""

import contextlib
import numbers
import warnings

import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import assert_all_finite, check_is_fitted

from ..metrics import masked_roc_auc_score
from ..nn import MaskedBCEWithLogitsLoss
from ..utils import check_label_matrix, check_task_columns
from ..utils._validation import check_visible_ratio, label_counts

# Probabilities are kept strictly inside (0, 1), like MLPClassifier, so log-loss stays finite.
_PROBA_EPS = 1e-12


def check_device(device):
    """Refuse a torch device this torch build cannot use, naming the fix."""
    try:
        kind = torch.device(device).type
    except RuntimeError as error:
        raise ValueError(
            f"device must be a torch device such as 'cpu' or 'cuda'; {error}"
        ) from None
    available = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
    if kind in available and not available[kind]():
        raise ValueError(
            f"device={device!r}, but this torch build ({torch.__version__}) cannot use {kind}: "
            f"torch.{'cuda' if kind == 'cuda' else 'backends.mps'}.is_available() is False. Use "
            "device='cpu', or install a torch build with "
            f"{'CUDA' if kind == 'cuda' else 'MPS'} support."
        )


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run with ``n_threads`` torch threads (None: unchanged), then restore the previous count."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def _restored_on_failure(estimator):
    """Put the estimator's attributes back as they were if the block raises."""
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


def _check_finite_logits(logits):
    rows = np.flatnonzero(np.isnan(logits).any(axis=1))
    if len(rows):
        raise ValueError(
            f"The model's float32 arithmetic overflowed on rows {rows[:10].tolist()} of X "
            f"({len(rows)} in all), whose predictions would be NaN: their features are "
            "probably far larger than those seen in fit. Scale X as it was scaled for fit."
        )


def _label_values(y):
    """y as an ndarray; pandas' nullable numeric columns become float64 with NaN for pd.NA,
    which np.asarray would leave as objects."""
    dtypes = list(y.dtypes) if hasattr(y, "columns") else [getattr(y, "dtype", None)]
    nullable = [isinstance(d, pd.api.extensions.ExtensionDtype) for d in dtypes]
    if any(nullable) and all(pd.api.types.is_numeric_dtype(d) for d in dtypes):
        return y.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(y)


def _encode_binary_target(y, name):
    """1-D y as 0/1/NaN floats, and its two classes."""
    if y.dtype.kind == "f":
        assert_all_finite(y, allow_nan=True, input_name=name)
    if y.dtype.kind == "f" and np.isin(y[~np.isnan(y)], (0, 1)).all():
        encoded, classes = y, np.array([0, 1])  # 0/1, NaN = unknown, as in 2-D y
    else:
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
    n_classes = len(np.unique(encoded[~np.isnan(encoded)]))
    if n_classes != 2:
        raise ValueError(
            f"Only binary classification is supported for 1-D {name}, and it needs samples "
            f"of 2 classes; got {n_classes} class(es). For several tasks pass a 2-D {name} "
            "of 0/1/NaN."
        )
    return encoded.astype(np.float64), classes


# Label dtypes fit keeps as they are; any other becomes the first.
_LABEL_DTYPES = [np.float64, np.float32, np.float16]


def _task_prior(known, positives, kept_tasks, task_names, name):
    """Per task, the probability predicted for it whatever the row: NaN for tasks the
    model learns, the pooled positive rate for tasks without any known label (with a
    warning), and ``kept_tasks`` for the first columns."""
    n_kept = 0 if kept_tasks is None else len(kept_tasks)
    prior = np.full(len(known), np.nan)
    if kept_tasks is not None:
        prior[:n_kept] = kept_tasks
    empty = n_kept + np.flatnonzero(known[n_kept:] == 0)
    if len(empty):
        # All known labels of one class would give exactly 0 or 1, which predict_proba
        # promises never to return.
        pooled = positives.sum() / known.sum()
        prior[empty] = np.clip(pooled, _PROBA_EPS, 1 - _PROBA_EPS)
        warnings.warn(
            f"{name} has no known label for task(s) {list(task_names[empty][:10])}; "
            "they are predicted with the overall positive rate",
            UserWarning,
            stacklevel=3,
        )
    return prior


def _warn_single_class_tasks(known, positives, task_names, name, n_kept):
    single = (known > 0) & ((positives == 0) | (positives == known))
    single[:n_kept] = False
    if single.any():
        listed = [
            f"{task!r} (all {int(positives[t] == known[t])})"
            for task, t in zip(task_names[single][:10], np.flatnonzero(single)[:10])
        ]
        more = f" and {single.sum() - 10} more" if single.sum() > 10 else ""
        warnings.warn(
            f"{name} has known labels of one class only for task(s) {', '.join(listed)}"
            f"{more}: the model cannot learn to tell active from inactive for them, and "
            "their ROC-AUC is undefined. Add labels of the other class, or drop the column.",
            UserWarning,
            stacklevel=3,
        )


class _RelationalNetClassifier(ClassifierMixin, BaseEstimator):
    """Fit, predict and score for a skorch-trained relational multi-task classifier.

    Subclasses define ``__init__`` (with at least the parameters constrained here), extend
    ``_parameter_constraints`` with their own (``{**_RelationalNetClassifier.
    _parameter_constraints, ...}``) and define the hooks listed in the module docstring.
    """

    # The training and runtime parameters both estimators share.
    _parameter_constraints = {
        "visible_ratio": [Interval(numbers.Real, 0, 1, closed="both"), tuple, list],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    _optimizer = torch.optim.Adam
    # Module parameters (skorch name patterns) that weight decay leaves alone.
    _not_decayed = ()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit on features X and a partially known label matrix y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            0/1 for known labels, NaN for unknown. 1-D y with two classes of any type
            makes an ordinary binary classifier. A float64, float32 or float16 array is
            used as it is, without a copy (float16 holds 10^6 x 1,000 labels in 1.9 GiB).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # Validation and training both set attributes: a failed or interrupted (re)fit puts
        # the previous ones back, so a fitted model keeps predicting as before.
        with _restored_on_failure(self):
            self._fit(X, y)
        return self

    def _fit(self, X, y):
        visible_ratio = check_visible_ratio(self.visible_ratio, ranged=True)
        check_device(self.device)
        X = self._validate_X(X, reset=True)
        Y, fitted = self._check_fit_targets(y, n_rows=X.shape[0])
        vars(self).update(fitted)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train, valid = self._split_rows(len(Y), rng)

        # Torch's global generator drives weight init, dropout and batch shuffling: fork it
        # so fitting is reproducible without changing the caller's torch random state.
        with torch.random.fork_rng(devices=[]), torch_threads(self.n_threads):
            torch.manual_seed(seed)
            prepared = self._before_training(X, Y)
            collates = self._collates(X, Y, train, valid, visible_ratio, rng, prepared)
            self.net_ = self._build_net(X, Y, train, valid, collates)
            self.net_.fit(train, None)
            self.n_epochs_ = self._completed_epochs()
            self._release_training_data(collates)
            # Without a validation split the last step left the module in training mode
            # (dropout on); what _after_training stores must not depend on dropout draws.
            self.net_.module_.eval()
            self._after_training(X, Y, rng, prepared)
        self._check_finite_state()

    def _validate_X(self, X, reset):
        return self._inputs().validate(self, X, reset=reset)

    def _check_fit_targets(self, y, n_rows, name="y", kept_tasks=None):
        """Fit's labels as a (n_rows, n_tasks) float array, and the fitted attributes they
        define; sets nothing. ``kept_tasks``: the prior of the first columns, tasks the model
        already has (with_support); they need no label."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires {name} to be passed, but the target {name} "
                "is None"
            )
        columns = getattr(y, "columns", None)
        y = _label_values(y)
        fitted = {"_single_output": y.ndim == 1}
        if fitted["_single_output"]:
            y, fitted["classes_"] = _encode_binary_target(y, name)
        # A float Y is used as it is, not copied to float64: 0, 1 and NaN are exact in any
        # float, and a 10^6 x 1,000 label matrix takes 2 GB as float16, 8 GB as float64.
        Y = check_label_matrix(
            y, name=name, n_rows=n_rows, columns=columns, dtype=_LABEL_DTYPES
        ).reshape(n_rows, -1)
        if not fitted["_single_output"]:
            fitted["classes_"] = [np.array([0, 1])] * Y.shape[1]
            fitted["_y_dtype"] = y.dtype if y.dtype.kind in "biuf" else np.float64
        task_names = (
            np.asarray(columns, dtype=object)
            if columns is not None
            else np.array([f"task_{t}" for t in range(Y.shape[1])], dtype=object)
        )
        n_kept = 0 if kept_tasks is None else len(kept_tasks)
        known, positives = label_counts(Y)
        fitted.update(
            n_tasks_=Y.shape[1],
            task_names_=task_names,
            _task_prior=_task_prior(known, positives, kept_tasks, task_names, name),
        )
        if not fitted["_single_output"]:
            _warn_single_class_tasks(known, positives, task_names, name, n_kept)
        return Y, fitted

    def _split_rows(self, n_rows, rng):
        order = rng.permutation(n_rows)
        n_valid = 0 if self.validation_fraction is None else int(self.validation_fraction * n_rows)
        if n_valid == 0 or n_valid == n_rows:
            return np.sort(order), None
        return np.sort(order[n_valid:]), np.sort(order[:n_valid])

    def _criterion(self, Y, train):
        """The loss, which may depend on the training rows ``train`` of Y."""
        return MaskedBCEWithLogitsLoss()

    def _collates(self, X, Y, train, valid, visible_ratio, rng, prepared):
        """The training collate, and the validation one when rows are held out."""
        episode = dict(visible_ratio=visible_ratio, rng=rng, prepared=prepared)
        collates = [self._collate(X, Y, train, valid=None, **episode)]
        if valid is not None:
            collates.append(self._collate(X, Y, train, valid=valid, **episode))
        return collates

    def _build_net(self, X, Y, train, valid, collates):
        callbacks = [("cosine", LRScheduler("CosineAnnealingLR", T_max=self.max_epochs))]
        if valid is not None:
            callbacks.append(
                ("early_stopping", EarlyStopping(patience=self.patience, load_best=True))
            )
        return NeuralNet(
            module=self._build_module(X),
            criterion=self._criterion(Y, train),
            optimizer=self._optimizer,
            optimizer__weight_decay=self._weight_decay(len(Y)),
            optimizer__param_groups=[
                (name, {"weight_decay": 0.0}) for name in self._not_decayed
            ],
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            iterator_train__collate_fn=collates[0],
            iterator_valid__collate_fn=collates[-1],
            train_split=None if valid is None else predefined_split(Dataset(valid, None)),
            callbacks=callbacks + self._training_callbacks() + list(self.callbacks or []),
            verbose=self.verbose,
            device=self.device,
        )

    def _weight_decay(self, n_rows):
        """Adam's L2 penalty for a fit on ``n_rows`` rows."""
        return self.weight_decay

    def _training_callbacks(self):
        """Named skorch callbacks of the model's own training, run after the cosine schedule
        and early stopping and before the user's ``callbacks``; none by default."""
        return []

    def _release_training_data(self, collates):
        for collate in collates:
            collate.release()
        # Adam's moment estimates (twice the weights) serve training only; a refit trains
        # afresh, so a pickle need not carry them.
        self.net_.optimizer_.state.clear()

    def _completed_epochs(self):
        """Epochs completed; warns if training stopped before ``max_epochs`` other than by
        early stopping. skorch ends training quietly on KeyboardInterrupt (Ctrl-C), keeping
        the weights of the moment, and the fit then completes with them."""
        history = self.net_.history
        completed = sum("train_loss" in row for row in history)
        stopped_early = any(
            isinstance(callback, EarlyStopping) and callback.misses_ >= callback.patience
            for _, callback in self.net_.callbacks_
        )
        if completed < self.max_epochs and not stopped_early:
            warnings.warn(
                f"Training was interrupted after {completed} of max_epochs={self.max_epochs} "
                "epochs (KeyboardInterrupt); the model is fitted with the weights it had then. "
                "n_epochs_ records the epochs completed.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return completed

    def _check_finite_state(self):
        """Refuse a trained model whose weights or stored states are not finite: it would
        predict NaN for every row."""
        state = self.net_.module_.state_dict()
        broken = [
            key for key, value in state.items()
            if value.is_floating_point() and not torch.isfinite(value).all()
        ]
        if broken:
            losses = [float(row.get("train_loss", np.nan)) for row in self.net_.history]
            raise ValueError(
                f"Training produced non-finite values in {broken[:3]}: a computation "
                f"overflowed float32 (training loss by epoch: {losses[:5]}). The features are "
                "probably too large (scale X, e.g. with StandardScaler) or lr too high."
            )

    def _before_training(self, X, Y):
        """Prepare what the module and the collates need from all fit rows, and return what
        training alone needs (``prepared``); nothing by default."""

    def _after_training(self, X, Y, rng, prepared):
        """Store what inference needs beyond the trained weights; nothing by default."""

    def predict_proba(self, X, Y=None):
        """Probability that each label is 1, using the known labels in Y as context.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Y : array-like of shape (n_samples, n_tasks), optional
            Labels already known for these rows (NaN = unknown), same columns as in fit.
            They change the predictions of the *other* tasks of the row.

        Returns
        -------
        P : ndarray of shape (n_samples, n_tasks), or (n_samples, 2) for 1-D y
            Strictly inside (0, 1).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        Y = self._validate_context(Y, n_rows=X.shape[0])
        with torch_threads(self.n_threads):
            logits = self._logits(X, Y)
        _check_finite_logits(logits)
        P = np.clip(expit(logits), _PROBA_EPS, 1 - _PROBA_EPS)
        unlabelled = ~np.isnan(self._task_prior)
        P[:, unlabelled] = self._task_prior[unlabelled]
        if self._single_output:
            return np.column_stack([1 - P[:, 0], P[:, 0]])
        return P

    def _validate_context(self, Y, n_rows):
        if Y is None:
            return np.full((n_rows, self.n_tasks_), np.nan)
        columns = getattr(Y, "columns", None)
        if columns is not None:
            check_task_columns(columns, self.task_names_)
        Y = check_label_matrix(Y, n_rows=n_rows, n_tasks=self.n_tasks_, allow_all_unknown=True)
        return Y.reshape(n_rows, self.n_tasks_)

    def _batches(self, X, Y, chunk):
        """Rows of X and Y as module inputs ``{"x", "y"}``, ``chunk`` rows at a time."""
        for start in range(0, X.shape[0], chunk):
            yield self._batch(X, Y, np.arange(start, min(start + chunk, X.shape[0])))

    def _batch(self, X, Y, rows):
        """The module inputs ``{"x", "y"}`` of some rows of X and Y, on the net's device."""
        device = self.net_.device
        return {
            "x": self._inputs().batch(X, rows).to(device),
            "y": torch.from_numpy(Y[rows].astype(np.float32)).to(device),
        }

    def _logits(self, X, Y):
        out = [
            self.net_.evaluation_step((batch, None), training=False).cpu().numpy()
            for batch in self._batches(X, Y, chunk=max(self.batch_size, 1024))
        ]
        return np.concatenate(out).astype(np.float64) if out else np.empty((0, self.n_tasks_))

    def predict(self, X, Y=None):
        """Labels thresholded at 0.5: (n_samples, n_tasks) of 0/1, or classes for 1-D y."""
        P = self.predict_proba(X, Y=Y)
        if self._single_output:
            return self.classes_[(P[:, 1] > 0.5).astype(int)]
        return (P > 0.5).astype(self._y_dtype)

    def score(self, X, y, sample_weight=None):
        """Macro ROC-AUC over tasks with both classes among the known labels of y.

        Predictions use no context (every label of y is a target); to score with context,
        use the relational scorers of :mod:`sklearn_metalink.model_selection`.
        """
        P = self.predict_proba(X)
        if self._single_output:
            y = (np.asarray(y).reshape(-1) == self.classes_[1]).astype(float)
            P = P[:, 1]
        return masked_roc_auc_score(y, P, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        return tags
