"""Validation shared by estimators, scorers and splitters."""

from ._validation import check_label_matrix

__all__ = ["check_label_matrix"]
