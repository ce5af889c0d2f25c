"""Baselines the benchmarks compare MetaLinkClassifier against, on the same splits.

All follow the ``fit(X, Y)`` / ``predict_proba(X, Y=None)`` contract (Y: NaN = unknown)
so the benchmarks score them exactly as they score MetaLink.
"""

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from torch import nn

from sklearn_metalink.estimators._retrieval import (
    ColumnNeighbours,
    LabelNeighbours,
    NeighbourIndex,
)
from sklearn_metalink.nn import MaskedBCEWithLogitsLoss


class _PerTask:
    """One binary model per column, on the rows where that column is known; a column with
    a single class predicts its rate."""

    def _model(self, task, n_rows):
        raise NotImplementedError

    def _features(self, X, Y, task):
        return X

    def fit(self, X, Y):
        self.models_ = []
        for task in range(Y.shape[1]):
            rows = np.flatnonzero(~np.isnan(Y[:, task]))
            y = Y[rows, task]
            if len(np.unique(y)) < 2:
                self.models_.append(float(y.mean()) if len(y) else 0.5)
                continue
            features = self._features(X[rows], self._training_context(Y[rows], task), task)
            self.models_.append(self._model(task, len(rows)).fit(features, y))
        return self

    def _training_context(self, Y, task):
        return Y

    def predict_proba(self, X, Y=None):
        if Y is None:
            Y = np.full((X.shape[0], len(self.models_)), np.nan)
        P = np.empty(Y.shape)
        for task, model in enumerate(self.models_):
            if isinstance(model, float):
                P[:, task] = model
            else:
                P[:, task] = model.predict_proba(self._features(X, Y, task))[:, 1]
        return P


class _PerTaskForest(_PerTask):
    def __init__(self, n_estimators=100, n_jobs=-1, random_state=0):
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _model(self, task, n_rows):
        return RandomForestClassifier(
            n_estimators=self.n_estimators,
            n_jobs=self.n_jobs,
            random_state=self.random_state + task,
            min_samples_leaf=1,
        )


class RandomForestPerTask(_PerTaskForest):
    """One random forest per task on X alone: ignores the known labels of the row."""


class RandomForestWithLabels(_PerTaskForest):
    """One forest per task on X plus the row's other known labels (positive and negative
    indicators). Trained with each other label shown with probability ``visible_ratio``,
    so it sees the same kind of partial context it gets at prediction time."""

    def __init__(self, n_estimators=100, n_jobs=-1, random_state=0, visible_ratio=0.5):
        super().__init__(n_estimators, n_jobs, random_state)
        self.visible_ratio = visible_ratio

    def _training_context(self, Y, task):
        rng = np.random.RandomState(self.random_state + task)
        return np.where(rng.rand(*Y.shape) < self.visible_ratio, Y, np.nan)

    def _features(self, X, Y, task):
        other = np.delete(Y, task, axis=1)
        return np.hstack([X, other == 1, other == 0]).astype(np.float32)


class TanimotoNearestNeighbors:
    """k nearest neighbours per task by Tanimoto similarity on binary fingerprints, among the
    rows labelled on the task, weighted by inverse Tanimoto distance (``KNeighborsClassifier``
    with ``metric="jaccard", weights="distance"``: rows at distance 0 alone vote when there
    are any; ties in distance go to the lower support row). The similarities to the whole
    support are computed once for all tasks: per-task ``KNeighborsClassifier`` recomputed
    them for each of ToxCast's 123 new tasks (5 s a task at k = all, alone on the machine:
    about 10 minutes; this class took 81 to 199 s there, beside 3 to 5 other runs)."""

    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def fit(self, X, Y):
        self.index_ = NeighbourIndex(np.asarray(X) != 0)
        self.Y_ = np.asarray(Y, dtype=np.float64)
        return self

    def predict_proba(self, X, Y=None):
        distance = 1.0 - self.index_.similarities(np.asarray(X) != 0).astype(np.float64)
        P = np.empty((len(distance), self.Y_.shape[1]))
        for task in range(self.Y_.shape[1]):
            rows = np.flatnonzero(~np.isnan(self.Y_[:, task]))
            y = self.Y_[rows, task]
            if len(np.unique(y)) < 2:
                P[:, task] = y.mean() if len(y) else 0.5
                continue
            to_rows = distance[:, rows]
            nearest = np.argsort(to_rows, axis=1, kind="stable")[:, :min(self.n_neighbors, len(rows))]
            d = np.take_along_axis(to_rows, nearest, axis=1)
            exact = d == 0
            weight = np.where(exact.any(axis=1, keepdims=True), exact, 1 / np.maximum(d, 1e-300))
            P[:, task] = (weight * y[nearest]).sum(axis=1) / weight.sum(axis=1)
        return P


class LogisticPerTask(_PerTask):
    """Logistic regression per task (on a frozen embedding in the meta benchmark)."""

    def __init__(self, C=1.0):
        self.C = C

    def _model(self, task, n_rows):
        return LogisticRegression(C=self.C, max_iter=1000)


class LabelAgreementNeighbors:
    """The label-agreement k-NN: every training row weighted by sim³ × exp(3 · (agreements
    − disagreements) / n_visible) over the query's visible labels (Tanimoto similarity on
    bits, cosine on standardised features otherwise); P(task) is the weighted mean label of
    the 25 rows of highest weight plus one pseudo-count of the training prior. No training.
    The same estimate MetaLinkClassifier takes as its data-to-data relation."""

    def __init__(self, n_neighbors=25, n_candidates=None):
        self.n_neighbors = n_neighbors
        self.n_candidates = n_candidates

    def fit(self, X, Y):
        self.neighbours_ = LabelNeighbours(X, Y, self.n_neighbors, self.n_candidates or len(Y))
        return self

    def predict_proba(self, X, Y=None):
        if Y is None:
            Y = np.full((X.shape[0], self.neighbours_.Y.shape[1]), np.nan)
        return self.neighbours_.proba(self.neighbours_.candidates(X), Y)


class SupportLabelAgreement:
    """The label-agreement k-NN over a sparse support (meta benchmark): for each task, the
    ``n_neighbors`` rows of highest weight sim³ × exp(3 · (agreements − disagreements) /
    n_visible) among the rows labelled on it, plus one pseudo-count of its support prior.
    The estimate a bound MetaLinkClassifier blends into a new task's logits."""

    def __init__(self, n_neighbors=25):
        self.n_neighbors = n_neighbors

    def fit(self, X, Y):
        self.neighbours_ = ColumnNeighbours(X, Y, self.n_neighbors)
        return self

    def predict_proba(self, X, Y=None):
        if Y is None:
            Y = np.full((X.shape[0], len(self.neighbours_.columns)), np.nan)
        return self.neighbours_.proba(X, Y)


class MultiTaskMLP:
    """A multi-task MLP on X alone (masked BCE over the known labels; ignores context).

    With ``early_stopping``, a random tenth of the rows stops training; ``transform`` gives
    the last hidden layer, a learned molecular embedding to reuse for new tasks.
    """

    def __init__(self, hidden=(512, 256), dropout=0.2, max_epochs=40, early_stopping=True,
                 random_state=0):
        self.hidden = hidden
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.random_state = random_state

    def fit(self, X, Y):
        torch.manual_seed(self.random_state)
        layers, width = [], X.shape[1]
        for size in self.hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(self.dropout)]
            width = size
        self.body_ = nn.Sequential(*layers)
        stopping = dict(
            train_split=ValidSplit(0.1, stratified=False, random_state=self.random_state),
            callbacks=[EarlyStopping(patience=8, load_best=True)],
        ) if self.early_stopping else dict(train_split=None)
        self.net_ = NeuralNet(
            nn.Sequential(self.body_, nn.Linear(width, Y.shape[1])),
            criterion=MaskedBCEWithLogitsLoss,
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=1e-5,
            lr=1e-3,
            batch_size=128,
            max_epochs=self.max_epochs,
            iterator_train__shuffle=True,
            verbose=0,
            **stopping,
        )
        self.net_.fit(np.asarray(X, dtype=np.float32), Y.astype(np.float32))
        return self

    def predict_proba(self, X, Y=None):
        logits = self.net_.predict(np.asarray(X, dtype=np.float32))
        return 1 / (1 + np.exp(-logits.astype(np.float64)))

    @torch.no_grad()
    def transform(self, X):
        self.body_.eval()
        return self.body_(torch.from_numpy(X.astype(np.float32))).numpy()
