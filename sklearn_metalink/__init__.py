"""Relational multi-task learning (MetaLink) as scikit-learn estimators."""

__version__ = "0.1.0.dev0"

__all__ = [
    "DistributedMetaLinkClassifier",
    "MetaLinkClassifier",
    "TaskGraphClassifier",
    "with_support",
    "__version__",
]


def __getattr__(name):
    # Lazy, so `sklearn_metalink.chem` or `.datasets` (and joblib workers that unpickle
    # them) do not pay the seconds it takes to import torch and skorch.
    if name in (
        "DistributedMetaLinkClassifier", "MetaLinkClassifier", "TaskGraphClassifier",
        "with_support",
    ):
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
