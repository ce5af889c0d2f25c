"""From SMILES to relational predictions: three new molecules, a few assays already run.

A toxicologist has Tox21 as training data and three molecules of new scaffolds, each with
the four nuclear-receptor assays (NR-AR, NR-AR-LBD, NR-AhR, NR-Aromatase) already
measured. What do the other eight assays look like, given those four results?

The model is a scikit-learn pipeline straight from SMILES: first a Morgan fingerprint with a
one-layer encoder, then a directed-bond message-passing net (D-MPNN) on the molecular
graphs. The MPNN runs 4 epochs only, so the script takes about two minutes on 2 CPU cores;
``benchmarks/bench_encoders.py`` compares the two encoders fully trained.
"""

import time

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MolecularGraphFeaturizer, MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_tox21

smiles, Y = load_tox21(return_X_y=True, as_frame=True)  # Y: DataFrame, task names as columns
train, valid, test = ScaffoldSplit(random_state=0).train_valid_test(smiles)
train = np.concatenate([train, valid])

# Three test molecules (scaffolds never seen in training) with all twelve assays measured
# and at least one of them active.
measured_all = Y.iloc[test].notna().all(axis=1) & (Y.iloc[test] == 1).any(axis=1)
new = test[measured_all.to_numpy()][:3]
new_smiles = smiles.iloc[new].to_numpy()
measured = Y.iloc[new].set_axis(new_smiles)
known_tasks = ["NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase"]
other_tasks = [task for task in Y.columns if task not in known_tasks]

# Context: the four assays already run; NaN = not measured yet, to be predicted.
context = measured.copy()
context[other_tasks] = np.nan
print("Assays already measured for the new molecules:")
print(context[known_tasks].astype(int).to_string(), "\n")

models = {
    "fingerprint + MLP encoder": make_pipeline(
        MorganFingerprint(invalid="partial"), MetaLinkClassifier(random_state=0)
    ),
    "molecular graph + MPNN encoder": make_pipeline(
        MolecularGraphFeaturizer(invalid="partial"),
        MetaLinkClassifier(encoder="mpnn", max_epochs=4, random_state=0),
    ),
}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(smiles.iloc[train], Y.iloc[train])
    print(f"{name}: fitted on {len(train)} molecules in {time.perf_counter() - start:.0f} s")
    P = model.predict_proba(new_smiles, Y=context)
    predicted = pd.DataFrame(P, index=new_smiles, columns=Y.columns)
    print("P(active) for the assays not run yet:")
    print(predicted[other_tasks].round(2).to_string(), "\n")

print("What the assays measured (hidden from the models):")
print(measured[other_tasks].astype(int).to_string())
