#!/usr/bin/env python3
"""PyTorch peer benchmark: one arcface training step of the classification head
exactly as insightface arcface_torch computes it at world size 1
(partial_fc_v2.PartialFC_V2 + CombinedMarginLoss arcface path +
DistCrossEntropyFunc), re-written here without importing insightface.
--sample-rate r < 1 is Partial FC: partial_fc_v2.sample keeps every positive
class and fills up to int(r * classes) with random others (torch.rand + topk),
and the step trains weight[index] (a gather whose backward is a dense [C, D]
gradient, as upstream's Parameter indexing does).

  /usr/bin/python3 bench/arcface_torch_head.py --classes 20000 --emb 128 \
      --batch 32 --steps 3 --warmup 2 --threads 2

Prints ONE JSON line on stdout; everything else goes to stderr.
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", type=int, required=True)
    ap.add_argument("--emb", type=int, default=512)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample-rate", type=float, default=1.0)
    return ap.parse_args()


ARGS = parse_args()
# A Debian torch (BLAS_INFO=generic) calls the system OpenBLAS, whose own
# thread pool torch.set_num_threads does not control: pin it before import.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import DistCrossEntropyFunc, arcface_margin, blas_string, peak_rss_mb  # noqa: E402

# never let a warning reach stdout
warnings.showwarning = lambda msg, cat, fn, ln, file=None, line=None: \
    sys.stderr.write(warnings.formatwarning(msg, cat, fn, ln, line))


def sample(weight, labels, num_sample):
    """partial_fc_v2.PartialFC_V2.sample at world size 1 (every label is positive)."""
    with torch.no_grad():
        positive = torch.unique(labels, sorted=True)
        if num_sample - positive.size(0) >= 0:
            perm = torch.rand(size=[weight.size(0)])
            perm[positive] = 2.0
            index = torch.topk(perm, k=num_sample)[1]
            index = index.sort()[0]
        else:
            index = positive
        labels = torch.searchsorted(index, labels)
    return weight[index], labels


def step(x, weight, labels, optimizer, num_sample):
    labels = labels.view(-1, 1)  # partial_fc_v2: labels.view(-1, 1); all positive at world 1
    if num_sample < weight.size(0):
        weight, labels = sample(weight, labels, num_sample)
    norm_embeddings = F.normalize(x)
    norm_weight_activated = F.normalize(weight)
    logits = F.linear(norm_embeddings, norm_weight_activated)
    logits = logits.clamp(-1, 1)
    logits = arcface_margin(logits, labels)
    loss = DistCrossEntropyFunc.apply(logits, labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    # x.grad would flow into the backbone; a fresh x is made each step.
    return loss


def main():
    a = ARGS

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    weight = torch.nn.Parameter(torch.normal(0, 0.01, (a.classes, a.emb)))
    optimizer = torch.optim.SGD([weight], lr=0.1, momentum=0.9, weight_decay=5e-4)

    times = []
    for i in range(a.warmup + a.steps):
        # Fresh embeddings and labels every step (outside the timed region),
        # as a backbone would produce. With one fixed x the W rows of step k's
        # labels line up with x and from step 1 on every target probability
        # underflows to the 1e-30 clamp (loss pinned at 69.08): unrealistic.
        x = torch.randn(a.batch, a.emb, requires_grad=True)
        labels = torch.randint(0, a.classes, (a.batch,))
        t0 = time.perf_counter()
        loss = step(x, weight, labels, optimizer, int(a.sample_rate * a.classes))
        t1 = time.perf_counter()
        if i >= a.warmup:
            times.append((t1 - t0) * 1e3)
        print(f"step {i} loss {loss.item():.4f} {(t1 - t0) * 1e3:.1f} ms", file=sys.stderr)

    out = {
        "impl": "pytorch",
        "torch_version": torch.__version__,
        "classes": a.classes,
        "emb": a.emb,
        "batch": a.batch,
        "threads": a.threads,
        "sample_rate": a.sample_rate,
        "steps": a.steps,
        "step_ms_median": statistics.median(times) if times else None,
        "step_ms_min": min(times) if times else None,
        "peak_rss_mb": peak_rss_mb(),
        "blas": blas_string(),
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
