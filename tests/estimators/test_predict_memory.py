"""predict_proba converts X to float32 one batch at a time, never as a whole copy."""

import tracemalloc

import numpy as np
import pytest

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier

ESTIMATORS = [
    MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0),
    TaskGraphClassifier(hidden=8, task_hidden=8, max_epochs=1, random_state=0),
]


def peak_memory(function, *args):
    """Peak of the memory numpy and Python allocate while ``function`` runs, in bytes."""
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["metalink", "task_graph"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_predict_memory_does_not_grow_with_the_rows_of_dense_x(estimator, dtype):
    rng = np.random.RandomState(0)
    X = (rng.rand(8000, 2048) < 0.05).astype(dtype)
    model = estimator.fit(X[:100], (rng.rand(100, 3) < 0.5).astype(float))
    few_rows = peak_memory(model.predict_proba, X[:2000])
    all_rows = peak_memory(model.predict_proba, X)
    # A float32 copy of X would add 49 MB between the two; one batch is 8 MB.
    assert all_rows < few_rows + 10e6
