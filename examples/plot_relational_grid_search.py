"""
Relational grid search: tune a model on the labels it has to infer
==================================================================

A chemist who already knows some assay results of a molecule wants the others. Model
selection must then score what the model predicts for hidden labels *given the visible
ones*, which stock scikit-learn cannot do (``cv=5`` and ``scoring="roc_auc"`` reject NaN
labels, and ``GridSearchCV`` never passes known labels to ``predict_proba``). Here:

1. :class:`~sklearn_metalink.model_selection.RelationalKFold` wraps a scaffold k-fold
   (molecules sharing a Bemis-Murcko scaffold stay in one fold) and decides, from each
   test molecule's content, which of its known labels are targets (half of them) and which
   are shown as context;
2. its scorer hides the targets, calls ``predict_proba(X, Y=visible)`` and scores only the
   targets, inside an ordinary :class:`~sklearn.model_selection.GridSearchCV`.

Small settings (4 epochs, three folds, two candidates, seven fits in all) keep it short;
they are far from the best model.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold, murcko_scaffold
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.model_selection import RelationalKFold

smiles, Y = load_tox21(return_X_y=True)
X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
# Scaffolds computed once and passed as groups, so the splitter works on fingerprints.
scaffolds = [murcko_scaffold(s) for s in smiles]
print(f"Tox21: {X.shape[0]} molecules x {Y.shape[1]} assays, "
      f"{np.isnan(Y).mean():.0%} of labels unknown")

# %%
# The search
# ----------
# The same splitter object is passed as ``cv`` and builds the scorers, so the scorers hide
# exactly the targets the splitter chose; the scaffolds reach it as ``groups``.
cv = RelationalKFold(ScaffoldKFold(3, shuffle=True, random_state=0), visible_ratio=0.5,
                     random_state=0)
search = GridSearchCV(
    MetaLinkClassifier(max_epochs=4, batch_size=256, random_state=0),
    {"hidden": [32, 128]},
    cv=cv,
    scoring={"roc_auc": cv.scorer("roc_auc"), "average_precision": cv.scorer("average_precision")},
    refit="roc_auc",
)
search.fit(X, Y, groups=scaffolds)

results = pd.DataFrame(search.cv_results_)[
    ["param_hidden", "mean_test_roc_auc", "std_test_roc_auc", "mean_test_average_precision",
     "mean_fit_time"]
]
results.round(3)

# %%
# Scores per fold
# ---------------
fig, ax = plt.subplots(figsize=(5, 3.5))
for metric, marker in (("roc_auc", "o"), ("average_precision", "s")):
    folds = np.array([search.cv_results_[f"split{k}_test_{metric}"] for k in range(3)])
    for k, scores in enumerate(folds):
        ax.plot([32, 128], scores, marker=marker, color=f"C{k}", alpha=0.8,
                label=f"fold {k}" if metric == "roc_auc" else None)
    ax.text(145, folds[:, 1].mean(), metric.replace("_", " "), va="center", fontsize=8)
ax.set_xscale("log", base=2)
ax.set_xticks([32, 128], ["32", "128"])
ax.set_xlim(24, 300)
ax.set_xlabel("hidden")
ax.set_ylabel("score on hidden test labels")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Predicting with context after the search
# ----------------------------------------
# ``GridSearchCV.predict_proba`` does not forward ``Y``; the refitted model does.
print(search.best_params_)
P = search.best_estimator_.predict_proba(X[:2], Y=[[1] + [np.nan] * 11, [np.nan] * 12])
P.round(2)
