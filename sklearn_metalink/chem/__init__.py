"""SMILES to features: RDKit fingerprints and descriptors, scaffolds and scaffold splits.

Every transformer here takes SMILES strings or RDKit molecules, one per row, and handles a
SMILES that RDKit rejects according to its ``invalid`` parameter; nothing passes silently.
"""

from ._descriptors import RDKitDescriptors
from ._fingerprints import (
    AtomPairFingerprint,
    MACCSKeys,
    MorganFingerprint,
    TopologicalTorsionFingerprint,
)
from ._graphs import MolecularGraphFeaturizer
from ._molecules import InvalidSMILESWarning, to_mols
from ._scaffold import ScaffoldKFold, ScaffoldSplit, murcko_scaffold

__all__ = [
    "AtomPairFingerprint",
    "InvalidSMILESWarning",
    "MACCSKeys",
    "MolecularGraphFeaturizer",
    "MorganFingerprint",
    "RDKitDescriptors",
    "ScaffoldKFold",
    "ScaffoldSplit",
    "TopologicalTorsionFingerprint",
    "murcko_scaffold",
    "to_mols",
]
