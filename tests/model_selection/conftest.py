import numpy as np
import pytest

from sklearn_metalink import MetaLinkClassifier


@pytest.fixture(scope="session")
def relational_data():
    """150 rows, 10 features, 4 correlated tasks, about 20 % of the labels unknown."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 10))
    shared = X[:, 0] + X[:, 1] + rng.normal(scale=0.5, size=150)
    Y = (shared[:, None] + rng.normal(scale=0.7, size=(150, 4)) > 0).astype(float)
    Y[rng.rand(150, 4) < 0.2] = np.nan
    return X, Y


@pytest.fixture
def small_metalink():
    return MetaLinkClassifier(hidden=16, max_epochs=5, lr=1e-2, random_state=0)
