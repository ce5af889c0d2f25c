"""Estimators users import."""

from ._distributed import DistributedMetaLinkClassifier
from ._metalink import MetaLinkClassifier, with_support
from ._task_graph import TaskGraphClassifier, plot_task_relations

__all__ = [
    "DistributedMetaLinkClassifier",
    "MetaLinkClassifier",
    "TaskGraphClassifier",
    "plot_task_relations",
    "with_support",
]
