"""Baselines the benchmarks compare MetaLinkClassifier against, on the same splits.

Both follow the ``fit(X, Y)`` / ``predict_proba(X, Y=None)`` contract so the benchmark
scores them exactly as it scores MetaLink.
"""

import numpy as np
from sklearn.ensemble import RandomForestClassifier


class _PerTaskForest:
    def __init__(self, n_estimators=100, n_jobs=-1, random_state=0):
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _forest(self, task):
        return RandomForestClassifier(
            n_estimators=self.n_estimators,
            n_jobs=self.n_jobs,
            random_state=self.random_state + task,
            min_samples_leaf=1,
        )

    def _features(self, X, Y, task):
        return X

    def fit(self, X, Y):
        self.forests_ = []
        for task in range(Y.shape[1]):
            rows = np.flatnonzero(~np.isnan(Y[:, task]))
            y = Y[rows, task]
            if len(np.unique(y)) < 2:
                self.forests_.append(float(y.mean()) if len(y) else 0.5)
                continue
            features = self._features(X[rows], self._training_context(Y[rows], task), task)
            self.forests_.append(self._forest(task).fit(features, y))
        return self

    def _training_context(self, Y, task):
        return Y

    def predict_proba(self, X, Y=None):
        if Y is None:
            Y = np.full((X.shape[0], len(self.forests_)), np.nan)
        P = np.empty(Y.shape)
        for task, forest in enumerate(self.forests_):
            if isinstance(forest, float):
                P[:, task] = forest
            else:
                P[:, task] = forest.predict_proba(self._features(X, Y, task))[:, 1]
        return P


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
