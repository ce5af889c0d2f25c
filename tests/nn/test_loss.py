import torch
import torch.nn.functional as F

from sklearn_metalink.nn import MaskedBCEWithLogitsLoss

nan = float("nan")


def test_masked_bce_scores_only_the_non_nan_targets():
    logits = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
    target = torch.tensor([[1.0, nan], [nan, 0.0]])
    expected = F.binary_cross_entropy_with_logits(torch.tensor([2.0, 3.0]), torch.tensor([1.0, 0.0]))
    torch.testing.assert_close(MaskedBCEWithLogitsLoss()(logits, target), expected)


def test_masked_bce_is_zero_with_a_gradient_when_nothing_is_a_target():
    logits = torch.randn(3, 2, requires_grad=True)
    loss = MaskedBCEWithLogitsLoss()(logits, torch.full((3, 2), nan))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.equal(logits.grad, torch.zeros(3, 2))
