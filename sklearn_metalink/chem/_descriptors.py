"""RDKit's 2-D molecular descriptors as a scikit-learn transformer."""

import numpy as np
from rdkit.Chem import Descriptors

from ._molecules import MoleculeTransformer

# Values beyond float32 range (Ipc reaches 1e41 on Tox21) would become inf in a float32 model.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class RDKitDescriptors(MoleculeTransformer):
    """All 2-D descriptors of ``rdkit.Chem.Descriptors`` (217 in RDKit 2026.09) per molecule.

    Parameters
    ----------
    invalid : {"raise", "partial", "zeros", "nan"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"`` / ``"nan"``: keep the row, filled with zeros / NaN, and issue an
        :class:`InvalidSMILESWarning` naming the rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. The largest molecule of Tox21, ToxCast
        and SIDER has 492 atoms; the bound keeps one huge row from stalling a batch (atom
        pairs of 2,000 atoms took 12 s). None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Number of output columns.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

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
