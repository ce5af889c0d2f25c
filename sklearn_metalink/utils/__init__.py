"""Validation shared by estimators, scorers and splitters."""

from ._validation import check_label_matrix, check_task_columns

__all__ = ["check_label_matrix", "check_task_columns"]
