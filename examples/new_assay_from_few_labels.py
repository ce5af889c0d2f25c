"""A new assay from 32 labelled molecules, without retraining.

A lab has a MetaLink model trained on ten Tox21 assays. Two new stress-response assays
(SR-MMP and SR-p53, the last two Tox21 columns) were run on only 32 molecules each. The
model is bound to those 32 molecules (`with_support`, no gradient step) and predicts both
assays for molecules of new scaffolds; a random forest trained on the same 32 molecules is
the comparison. Then, as in the relational-meta setting, the ten training assays of the
query molecules are also given as context. About a minute on 2 CPU cores.
"""

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline

from sklearn_metalink import MetaLinkClassifier, with_support
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.metrics import masked_roc_auc_score
from sklearn_metalink.model_selection import sample_support, split_tasks

smiles, Y = load_tox21(return_X_y=True)
train, valid, test = ScaffoldSplit(random_state=0).train_valid_test(smiles)
train = np.concatenate([train, valid])
old, new = split_tasks(Y.shape[1])  # the last 20 % of the columns are the new assays

model = make_pipeline(
    MorganFingerprint(invalid="partial"),
    MetaLinkClassifier(task_nodes="shared", random_state=0),
)
model.fit(smiles[train], Y[train][:, old])  # never sees the two new assays

# 32 training molecules labelled on each new assay (at least one active each).
Y_support = sample_support(Y[train][:, new], 32, random_state=0)
labelled = ~np.isnan(Y_support).all(axis=1)
support_smiles, Y_support = smiles[train][labelled], Y_support[labelled]
print(f"support: {len(support_smiles)} molecules, {int(np.nansum(Y_support))} actives")

bound = with_support(model, support_smiles, Y_support)
P = bound.predict_proba(smiles[test])
print(f"MetaLink bound to the support:     ROC-AUC {masked_roc_auc_score(Y[test][:, new], P):.3f}")

fingerprints = model[0]  # the pipeline's fitted featurizer
X_support, X_test = fingerprints.transform(support_smiles), fingerprints.transform(smiles[test])
P_forest = np.column_stack([
    RandomForestClassifier(random_state=0)
    .fit(X_support[~np.isnan(y)], y[~np.isnan(y)]).predict_proba(X_test)[:, 1]
    for y in Y_support.T
])
print(f"random forest on the 32 molecules: ROC-AUC {masked_roc_auc_score(Y[test][:, new], P_forest):.3f}")

# Relational-meta with training-assay labels: the ten old assays of the support and of the
# query molecules are known too (NaN where not measured).
both = with_support(model, support_smiles, np.hstack([Y[train][labelled][:, old], Y_support]),
                    training_tasks=True)
context = np.hstack([Y[test][:, old], np.full((len(test), len(new)), np.nan)])
P_context = both.predict_proba(smiles[test], Y=context)[:, len(old):]
print(f"... plus the ten old assays known:  ROC-AUC "
      f"{masked_roc_auc_score(Y[test][:, new], P_context):.3f}")
