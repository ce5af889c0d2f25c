"""
The relational learning curve: ROC-AUC against the number of known labels
==========================================================================

How much is each known assay result of a molecule worth? In each fold of a scaffold
cross-validation, :func:`~sklearn_metalink.model_selection.relational_learning_curve` fits
the model once, fixes which known labels of each test molecule are targets (half of them)
and scores the **same targets** with 0, 1, 2, ... of the other labels shown as context. The
point at 0 is the model used as an ordinary multi-task classifier. Small settings (six
epochs, three folds) keep the example short.
"""

import matplotlib.pyplot as plt

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold, murcko_scaffold
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.model_selection import (
    RelationalKFold,
    plot_relational_learning_curve,
    relational_learning_curve,
)

smiles, Y = load_tox21(return_X_y=True)
X = MorganFingerprint(invalid="partial").fit_transform(smiles)
# Scaffolds computed once and passed as groups, so the splitter works on fingerprints.
scaffolds = [murcko_scaffold(s) for s in smiles]
cv = RelationalKFold(ScaffoldKFold(3, shuffle=True, random_state=0), visible_ratio=0.5,
                     random_state=0)

curve = relational_learning_curve(
    MetaLinkClassifier(max_epochs=6, batch_size=256, random_state=0),
    X, Y, n_known=(0, 1, 2, 3, 4, 6), cv=cv, groups=scaffolds,
)
curve.groupby("n_known")["score"].agg(["mean", "std"]).round(3)

# %%
# One row per fold and ``n_known``; the plot shows the mean and standard deviation over
# the folds.
ax = plot_relational_learning_curve(curve)
ax.set_title("Tox21, MetaLink, scaffold 3-fold")
plt.tight_layout()
plt.show()

# %%
# ``n_known`` counts labels drawn from the row's visible pool (with ``visible_ratio=0.5``,
# half of its known labels); a molecule with fewer shows all of them, which is one reason
# the curve flattens: a Tox21 molecule has ten known labels on average, so about five
# visible. The order in which a row's labels are revealed is fixed by a digest of its
# content, so the contexts are nested: the context at 2 contains the one at 1.
