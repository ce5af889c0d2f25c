"""Estimators users import."""

from ._metalink import MetaLinkClassifier

__all__ = ["MetaLinkClassifier"]
