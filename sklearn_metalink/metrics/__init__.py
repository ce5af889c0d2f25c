"""NaN-aware metrics for partially known label matrices."""

from ._masked import masked_average_precision_score, masked_log_loss, masked_roc_auc_score

__all__ = ["masked_average_precision_score", "masked_log_loss", "masked_roc_auc_score"]
