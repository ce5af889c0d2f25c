"""Relational multi-task learning (MetaLink) as scikit-learn estimators."""

from .estimators import MetaLinkClassifier

__version__ = "0.1.0.dev0"

__all__ = ["MetaLinkClassifier", "__version__"]
