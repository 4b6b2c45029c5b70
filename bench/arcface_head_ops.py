"""The pieces of insightface arcface_torch's head that both peer benchmarks run (world size 1):
DistCrossEntropyFunc (hand-written backward) and CombinedMarginLoss's arcface branch.
Import it after torch's thread variables are set (the scripts do so before importing torch)."""
import torch


class DistCrossEntropyFunc(torch.autograd.Function):
    """arcface_torch's DistCrossEntropyFunc with the all_reduce calls removed
    (identity at world size 1). Hand-written backward, as upstream:
    grad = (softmax - one_hot) / batch * loss_grad. Works in place on logits."""

    @staticmethod
    def forward(ctx, logits, label):
        batch_size = logits.size(0)
        max_logits, _ = torch.max(logits, dim=1, keepdim=True)
        logits.sub_(max_logits)
        logits.exp_()
        sum_logits_exp = torch.sum(logits, dim=1, keepdim=True)
        logits.div_(sum_logits_exp)
        index = torch.where(label != -1)[0]
        loss = torch.zeros(batch_size, 1, device=logits.device)
        loss[index] = logits[index].gather(1, label[index])
        ctx.save_for_backward(index, logits, label)
        return loss.clamp_min_(1e-30).log_().mean() * (-1)

    @staticmethod
    def backward(ctx, loss_gradient):
        index, logits, label = ctx.saved_tensors
        batch_size = logits.size(0)
        one_hot = torch.zeros(size=[index.size(0), logits.size(1)], device=logits.device)
        one_hot.scatter_(1, label[index], 1)
        logits[index] -= one_hot
        logits.div_(batch_size)
        return logits * loss_gradient.item(), None


def arcface_margin(logits, labels, m2=0.5, s=64.0):
    """CombinedMarginLoss forward, m1 == 1 and m3 == 0 branch (arcface):
    in-place arccos / cos under no_grad => straight-through gradient (s)."""
    index_positive = torch.where(labels != -1)[0]
    target_logit = logits[index_positive, labels[index_positive].view(-1)]
    with torch.no_grad():
        target_logit.arccos_()
        logits.arccos_()
        final_target_logit = target_logit + m2
        logits[index_positive, labels[index_positive].view(-1)] = final_target_logit
        logits.cos_()
    return logits * s
