"""
Quick start: what do the labels we already know add?
=====================================================

Tox21 ships with the package: 7,831 molecules × 12 toxicity assays, 17 % of the results
unknown. We fit :class:`~sklearn_metalink.MetaLinkClassifier` on ECFP4 fingerprints of the
training molecules (scaffold split: test molecules have scaffolds never seen in training),
then predict the test molecules twice on the same hidden labels: once from the structure
alone, once with half of each molecule's known assay results given as context.

Ten epochs keep this example short; ``examples/demo_tox21.py`` (``make demo``) runs the
default of up to 40 with early stopping.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.metrics import masked_roc_auc_score

tox21 = load_tox21()
smiles, Y = tox21.data, tox21.target
print(f"{len(smiles)} molecules x {Y.shape[1]} assays, {np.isnan(Y).mean():.0%} unknown")

# %%
# Features and split
# ------------------
# ``invalid="partial"`` keeps the 8 Tox21 SMILES that RDKit's full sanitization rejects
# (aluminium salts, hypervalent Al): they are parsed again without the valence check.
X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
train, valid, test = ScaffoldSplit(random_state=0).train_valid_test(smiles)
train = np.concatenate([train, valid])  # the model holds out its own rows for early stopping
print(f"{len(train)} training and {len(test)} test molecules")

# %%
# Fit
# ---
# ``Y`` is a float matrix of 0, 1 and NaN (unknown): no imputation, no dropping.
clf = MetaLinkClassifier(max_epochs=10, random_state=0).fit(X[train], Y[train])
print(f"{len(clf.net_.history)} epochs, last validation loss "
      f"{clf.net_.history[-1, 'valid_loss']:.3f}")

# %%
# Predict without and with context
# --------------------------------
# Of each test molecule's known labels, half are shown (``visible``) and the other half
# are the targets (``hidden``). The same targets are scored twice.
rng = np.random.RandomState(0)
shown = ~np.isnan(Y[test]) & (rng.rand(*Y[test].shape) < 0.5)
visible = np.where(shown, Y[test], np.nan)
hidden = np.where(shown, np.nan, Y[test])

P_alone = clf.predict_proba(X[test])
P_context = clf.predict_proba(X[test], Y=visible)
for name, P in (("structure only", P_alone), ("with context  ", P_context)):
    print(f"ROC-AUC on the hidden labels, {name}: {masked_roc_auc_score(hidden, P):.3f}")

# %%
# Per assay
# ---------
per_task = np.array([
    [masked_roc_auc_score(hidden[:, t], P[:, t]) for t in range(Y.shape[1])]
    for P in (P_alone, P_context)
])
order = np.argsort(per_task[1] - per_task[0])
fig, ax = plt.subplots(figsize=(7, 4))
positions = np.arange(Y.shape[1])
ax.barh(positions - 0.2, per_task[0, order], height=0.4, label="structure only")
ax.barh(positions + 0.2, per_task[1, order], height=0.4, label="with half the known labels")
ax.set_yticks(positions, np.asarray(tox21.target_names)[order])
ax.set_xlim(0.5, 1)
ax.set_xlabel("ROC-AUC on hidden test labels")
ax.legend(loc="lower right")
ax.set_title("Tox21, scaffold split")
fig.tight_layout()
plt.show()
