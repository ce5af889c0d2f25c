"""Torch modules: encoders, the MetaLink label-graph layer and model, the masked loss."""

from ._encoders import MLPEncoder
from ._label_conv import GatedLabelConv, LabelEdges, label_edges
from ._loss import MaskedBCEWithLogitsLoss
from ._metalink import MetaLinkModule

__all__ = [
    "GatedLabelConv",
    "LabelEdges",
    "MLPEncoder",
    "MaskedBCEWithLogitsLoss",
    "MetaLinkModule",
    "label_edges",
]
