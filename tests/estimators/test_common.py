"""scikit-learn's estimator checks on every estimator of the package."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_metalink import (
    DistributedMetaLinkClassifier,
    MetaLinkClassifier,
    TaskGraphClassifier,
)

# Small and quick, but the real model: the checks fit it dozens of times.
ESTIMATORS = [
    MetaLinkClassifier(hidden=16, max_epochs=20, random_state=0),
    MetaLinkClassifier(
        hidden=16, max_epochs=20, task_nodes="shared", random_state=0
    ),
    # One process (no launcher): Accelerate's data loader and the subclass's plumbing.
    DistributedMetaLinkClassifier(hidden=16, max_epochs=20, random_state=0),
    TaskGraphClassifier(graph="complete", hidden=16, task_hidden=8, max_epochs=20, random_state=0),
    TaskGraphClassifier(graph="star", hidden=16, task_hidden=8, max_epochs=20, random_state=0),
]

EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
