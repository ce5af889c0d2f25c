"""The ``DESCR`` text of each dataset: size, label conventions, provenance, licence."""

_MOLECULENET_PROVENANCE = """\
Provenance: the MoleculeNet (DeepChem) CSV as committed by chemprop/chemprop in data/ at
commit a68ade20f227862fe6265c46f021c78217a324ab (2019-01-03). Unknown labels are empty
fields, read as NaN."""

TOX21 = f"""\
Tox21
=====

7,831 molecules x 12 toxicity assays (nuclear receptor and stress response pathways).
Labels 0/1, 17.05 % unknown, 7.52 % of known labels positive (2.9 - 16.2 % per task).

data: SMILES strings. 8 SMILES (aluminium salts written with hypervalent [AlH3]) fail
RDKit's default sanitization; the transformers of sklearn_metalink.chem rescue them with
invalid="partial".

{_MOLECULENET_PROVENANCE} The uncompressed CSV is identical to chemprop's tox21.csv
(sha256 b58cc1f683e78e3c7a1bf7116e9aac0119804018d100f7b8cdb0857941c31aca). Tox21 is US
government public data; chemprop and DeepChem are MIT licensed and state no separate data
licence.
"""

TOXCAST = f"""\
ToxCast
=======

8,576 molecules x 617 in-vitro assays. Labels 0.0/1.0, 71.02 % unknown, 8.26 % of known
labels positive (0.28 - 83.1 % per task). Every row has at least one unknown label.

{_MOLECULENET_PROVENANCE} MoleculeNet states 8,615 molecules; the 39 missing rows were
presumably dropped by chemprop's sanitize script for SMILES the RDKit of 2018 could not
parse (inferred, not documented). All 8,576 SMILES parse with RDKit 2026.09. ToxCast is US
government public data; chemprop and DeepChem are MIT licensed and state no separate data
licence.
"""

SIDER = f"""\
SIDER
=====

1,427 marketed drugs x 27 side-effect classes (MedDRA system organ classes). Labels 0/1,
no unknown labels, 56.76 % positive (1.5 - 92.4 % per task). Some task names contain
commas.

{_MOLECULENET_PROVENANCE}

Licence: the SIDER database is, as far as known, CC BY-NC-SA 4.0 (not confirmed). This is
why the file is not bundled with the package: put sider.csv.gz in the data home yourself.
"""

MUV = f"""\
MUV
===

93,087 molecules x 17 PubChem-derived virtual screening tasks. Labels 0/1, 84.21 % unknown,
0.196 % of known labels positive; every row has at least one unknown label.

{_MOLECULENET_PROVENANCE} smiles was moved to the first column and mol_id dropped.
PubChem-derived data is US government public data.
"""

YEAST = """\
Yeast
=====

2,417 genes x 103 numeric features (micro-array expression and phylogenetic profiles) x 14
functional classes. Labels 0/1, no unknown labels, 4.237 labels per row on average.
Columns Att1..Att103 are the features, Class1..Class14 the labels. The full dataset, not
MULAN's fixed train/test split.

Provenance: Elisseeff & Weston, "A kernel method for multi-labelled classification",
NIPS 2001, as distributed by MULAN/MEKA; converted unchanged from Yeast.arff of
JiaxuanGood/EML2 (commit 27c28e242815f6a2a7b2169404bd990cfe98236a). No licence is stated:
cite the paper, do not redistribute.
"""
