"""RDKit's 2-D molecular descriptors as a scikit-learn transformer."""

import numpy as np
from rdkit.Chem import Descriptors

from ._fingerprints import _ATTRIBUTES, _COMMON_PARAMETERS
from ._molecules import MoleculeTransformer

# Values beyond float32 range (Ipc reaches 1e41 on Tox21) would become inf in a float32 model.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class RDKitDescriptors(MoleculeTransformer):
    """All 2-D descriptors of ``rdkit.Chem.Descriptors`` (217 in RDKit 2026.09) per molecule.

    Parameters
    ----------
    {common}

    Attributes
    ----------
    {attributes}

    Notes
    -----
    Output dtype: ``float64``. Two rules keep the values usable:

    - Infinite values and values beyond the float32 range are clipped to
      ``±np.finfo(np.float32).max`` (e.g. ``Ipc`` of large molecules), so a later cast to
      float32 stays finite.
    - A descriptor RDKit cannot compute for a molecule is NaN. On Tox21 this happens for
      the Gasteiger-charge and ``BCUT2D_*`` descriptors of ~1.5 % of the molecules
      (metals and other atoms without parameters). Impute it, e.g. with
      :class:`~sklearn.impute.SimpleImputer`, or use a model that accepts NaN.

    The list of descriptors, and thus the columns, depends on the RDKit version.

    Examples
    --------
    >>> from sklearn_metalink.chem import RDKitDescriptors
    >>> descriptors = RDKitDescriptors().fit(["CCO"])
    >>> X = descriptors.transform(["CCO", "c1ccccc1"])
    >>> names = list(descriptors.get_feature_names_out())
    >>> round(float(X[0, names.index("MolWt")]), 2)
    46.07
    """

    def __init__(self, invalid="raise", n_jobs=None, max_atoms=1000):
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def _featurizer(self):
        return _descriptor_values

    def _n_features_out(self):
        return len(Descriptors.descList)

    def _native_dtype(self):
        return np.float64

    def _feature_names(self):
        return [name for name, _ in Descriptors.descList]


def _descriptor_values(mol):
    values = Descriptors.CalcMolDescriptors(mol, missingVal=np.nan, silent=True)
    return np.clip(np.fromiter(values.values(), dtype=np.float64), -_FLOAT32_MAX, _FLOAT32_MAX)


if RDKitDescriptors.__doc__:  # None under python -OO
    RDKitDescriptors.__doc__ = RDKitDescriptors.__doc__.format(
        common=_COMMON_PARAMETERS, attributes=_ATTRIBUTES
    )
