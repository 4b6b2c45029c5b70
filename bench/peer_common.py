"""What both PyTorch peer benchmarks share: insightface arcface_torch's head at world size 1
(DistCrossEntropyFunc with its hand-written backward, CombinedMarginLoss's arcface branch) and the
facts they report (the BLAS in use, peak RSS). Import it after torch's thread variables are set
(the scripts do so before importing torch)."""
import os
import re

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


def blas_string():
    """Short description: the BLAS named in torch's build config, else the
    BLAS library actually mapped into this process (after a matmul ran)."""
    cfg = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    info = m.group(1) if m else "?"
    if "OpenBLAS" in cfg or info == "open":
        return "OpenBLAS"
    if info == "mkl":
        return "MKL"
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                name = os.path.basename(line.split()[-1])
                if re.search(r"openblas|mkl_rt|libmkl|blis|libblas", name, re.I):
                    libs.add(name)
    except OSError:
        pass
    lib = next((l for l in sorted(libs) if "openblas" in l.lower()), None) \
        or (sorted(libs)[0] if libs else "unknown")
    kind = "OpenBLAS" if "openblas" in lib.lower() else lib
    return f"{kind} (BLAS_INFO={info}, {lib})"


def peak_rss_mb():
    """VmHWM of this process. Not ru_maxrss: Linux carries that across exec, so a script started
    from a big JVM would report the JVM's peak; VmHWM belongs to the new address space."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status")
