"""
From SMILES to relational predictions with a pipeline
=====================================================

A toxicologist has Tox21 as training data and three molecules of new scaffolds, each with
the four nuclear-receptor assays NR-AR, NR-AR-LBD, NR-AhR and NR-Aromatase already
measured. What do the other eight assays look like, given those four results?

The model is one scikit-learn pipeline that starts from SMILES: a Morgan fingerprint, then
:class:`~sklearn_metalink.MetaLinkClassifier`. ``Pipeline.predict_proba(X, Y=...)`` passes
the known labels on to the classifier. Labels come as a DataFrame, so the fitted model
knows the assay names. (A molecular-graph encoder is one parameter away:
``MolecularGraphFeaturizer()`` and ``encoder="mpnn"``; ``benchmarks/bench_encoders.py``
compares the two fully trained.)
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_tox21

smiles, Y = load_tox21(return_X_y=True, as_frame=True)  # Y: DataFrame, assays as columns
train, valid, test = ScaffoldSplit(random_state=0).train_valid_test(smiles)
train = np.concatenate([train, valid])

model = make_pipeline(
    MorganFingerprint(invalid="partial"),
    MetaLinkClassifier(max_epochs=10, random_state=0),
)
model.fit(smiles.iloc[train], Y.iloc[train])
print(model[-1].task_names_)

# %%
# Three new molecules, four assays measured
# -----------------------------------------
# The first three test molecules (their scaffolds are not in the training set) with all
# twelve assays measured and an active result among the four shown and among the others.
known_assays = ["NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase"]
other_assays = [assay for assay in Y.columns if assay not in known_assays]
candidates = Y.iloc[test]
chosen = (
    candidates.notna().all(axis=1)
    & (candidates[known_assays] == 1).any(axis=1)
    & (candidates[other_assays] == 1).any(axis=1)
)
new = test[chosen.to_numpy()][:3]
new_smiles = smiles.iloc[new].to_numpy()
measured = Y.iloc[new].set_axis([f"molecule {i + 1}" for i in range(3)])
for name, s in zip(measured.index, new_smiles):
    print(f"{name}: {s}")

context = measured.copy()
context[other_assays] = np.nan  # NaN = not measured yet
context[known_assays].astype(int)

# %%
# Predictions for the eight other assays
# --------------------------------------
# The context must have the columns seen in fit, in the same order; with a DataFrame the
# names are checked.
P_context = model.predict_proba(new_smiles, Y=context)
P_alone = model.predict_proba(new_smiles)
table = pd.concat(
    {
        "structure only": pd.DataFrame(P_alone, index=measured.index, columns=Y.columns),
        "with 4 assays known": pd.DataFrame(P_context, index=measured.index, columns=Y.columns),
        "measured": measured,
    }
)[other_assays]
table.round(2)

# %%
# The same as a picture: one panel per molecule, the measured result as a marker.
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True)
positions = np.arange(len(other_assays))
for ax, molecule in zip(axes, measured.index):
    ax.bar(positions - 0.2, table.loc[("structure only", molecule)], 0.4, label="structure only")
    ax.bar(positions + 0.2, table.loc[("with 4 assays known", molecule)], 0.4,
           label="with 4 assays known")
    active = table.loc[("measured", molecule)].to_numpy() == 1
    ax.scatter(positions[active], np.full(active.sum(), 0.95), marker="*", s=120, color="k",
               label="measured active")
    ax.set_xticks(positions, other_assays, rotation=90, fontsize=8)
    ax.set_title(molecule)
axes[0].set_ylabel("P(active)")
axes[0].set_ylim(0, 1)
axes[-1].legend(fontsize=8, loc="upper right")
fig.tight_layout()
plt.show()

# %%
# Here the known results mostly lower the probabilities of the assays that were in fact
# inactive, and of some that were active too (NR-ER). Three molecules are an anecdote: the
# quick start and the benchmark page measure the effect of context over all test molecules.
