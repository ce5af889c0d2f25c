"""Model files that are safe to load: tensors in safetensors, the rest in JSON.

:func:`save_model` writes a fitted :class:`~sklearn_metalink.MetaLinkClassifier` or
:class:`~sklearn_metalink.TaskGraphClassifier`, alone or at the end of a Pipeline of the
molecule transformers of :mod:`sklearn_metalink.chem`; :func:`load_model` rebuilds it
without unpickling anything, and refuses a truncated, edited or incompatible file with a
``ValueError``. Pickle and joblib still work, for models this format does not cover.
"""

from ._format import read_model_info

__all__ = ["load_model", "read_model_info", "save_model"]


def __getattr__(name):
    # Lazy, so that read_model_info (and `sklearn-metalink info`) does not import torch.
    if name in ("load_model", "save_model"):
        from . import _model_file

        return getattr(_model_file, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
