"""Multi-task benchmarks as (X, Y) with NaN for unknown labels.

Tox21 and ToxCast ship with the package. SIDER, MUV and yeast are read from the data home
(see :func:`get_data_home`); nothing is ever downloaded.
"""

from ._base import get_data_home
from ._loaders import load_muv, load_sider, load_tox21, load_toxcast, load_yeast

__all__ = [
    "get_data_home",
    "load_muv",
    "load_sider",
    "load_tox21",
    "load_toxcast",
    "load_yeast",
]
