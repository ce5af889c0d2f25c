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


def test_positive_weight_multiplies_the_loss_of_positive_targets_only():
    logits = torch.tensor([[0.3, -1.0], [2.0, 0.5]])
    target = torch.tensor([[1.0, nan], [0.0, 1.0]])
    weighted = MaskedBCEWithLogitsLoss(pos_weight=torch.tensor([3.0, 1.0]))(logits, target)
    per_entry = F.binary_cross_entropy_with_logits(
        logits, torch.nan_to_num(target), reduction="none"
    )
    expected = (3 * per_entry[0, 0] + per_entry[1, 0] + per_entry[1, 1]) / 3
    torch.testing.assert_close(weighted, expected)


def test_unit_positive_weight_is_the_masked_loss():
    logits = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([[1.0, 0.0, nan]] * 4)
    torch.testing.assert_close(
        MaskedBCEWithLogitsLoss(pos_weight=torch.ones(3))(logits, target),
        MaskedBCEWithLogitsLoss()(logits, target),
    )
