"""Torch modules: encoders, the MetaLink label-graph layer and model, the task-graph model,
the masked loss."""

from ._encoders import MLPEncoder
from ._label_conv import GatedLabelConv, LabelEdges, label_edges
from ._loss import MaskedBCEWithLogitsLoss
from ._metalink import MetaLinkModule
from ._mpnn import MPNNEncoder
from ._task_graph import (
    CompleteGraphRound,
    GatedUpdate,
    StarGraphRound,
    TaskGraphModule,
)

__all__ = [
    "CompleteGraphRound",
    "GatedLabelConv",
    "GatedUpdate",
    "LabelEdges",
    "MLPEncoder",
    "MPNNEncoder",
    "MaskedBCEWithLogitsLoss",
    "MetaLinkModule",
    "StarGraphRound",
    "TaskGraphModule",
    "label_edges",
]
