#!/usr/bin/env python3
"""PyTorch peer benchmark of `plsc bench train`: one full training step at world size 1,
  backbone forward (train mode) on random images [B,3,112,112]
  -> arcface_torch head (normalised embeddings x normalised centres W [C,D] ~ N(0,0.01),
     cos(theta + 0.5) on the target, scale 64, DistCrossEntropyFunc mean; written out as in
     bench/arcface_torch_head.py, without importing insightface)
  -> backward -> torch.optim.SGD(lr 0.1, momentum 0.9, weight_decay 5e-4) over the backbone's
     trainable parameters and W.
The backbones are bench/torch_backbones.py's twins of PLSC-J's org.plscj.model.

  /usr/bin/python3 bench/torch_train_step.py --model MobileFaceNetLite --emb 128 \
      --classes 1000 --batch 16 --steps 3 --warmup 1 --threads 2 [--bf16]

Each step is timed, and so are its phases (forward / head = logits + loss forward / backward /
update = optimizer step + zero_grad) with time.perf_counter (CPU: synchronous).
--bf16: backbone forward under torch.autocast("cpu", dtype=torch.bfloat16); head in fp32.
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
    ap.add_argument("--model", required=True)
    ap.add_argument("--emb", type=int, default=512)
    ap.add_argument("--classes", type=int, required=True)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args()


ARGS = parse_args()
# A Debian torch (BLAS_INFO=generic) calls the system OpenBLAS, whose own
# thread pool torch.set_num_threads does not control: pin it before import.
# The rest of the environment (LD_PRELOAD of jemalloc, MALLOC_CONF, ...) is
# inherited from the caller untouched.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_backbones  # noqa: E402
from peer_common import DistCrossEntropyFunc, arcface_margin, blas_string, peak_rss_mb  # noqa: E402

# never let a warning reach stdout
warnings.showwarning = lambda msg, cat, fn, ln, file=None, line=None: \
    sys.stderr.write(warnings.formatwarning(msg, cat, fn, ln, line))


def head_loss(embeddings, weight, labels):
    """partial_fc_v2.PartialFC_V2 (sample_rate 1, world 1) forward: logits + margin + loss."""
    labels = labels.view(-1, 1)
    norm_embeddings = F.normalize(embeddings)
    norm_weight_activated = F.normalize(weight)
    logits = F.linear(norm_embeddings, norm_weight_activated)
    logits = logits.clamp(-1, 1)
    logits = arcface_margin(logits, labels)
    return DistCrossEntropyFunc.apply(logits, labels)


def step(backbone, images, weight, labels, optimizer, bf16):
    """One training step; returns (loss, [t0, t_forward, t_head, t_backward, t_update])."""
    t0 = time.perf_counter()
    if bf16:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            embeddings = backbone(images)
        embeddings = embeddings.float()  # head in fp32
    else:
        embeddings = backbone(images)
    t1 = time.perf_counter()
    loss = head_loss(embeddings, weight, labels)
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    t4 = time.perf_counter()
    return loss, (t0, t1, t2, t3, t4)


def mean(xs):
    return statistics.fmean(xs) if xs else None


def main():
    a = ARGS
    if a.batch < 2:
        sys.exit("--batch must be >= 2 (BatchNorm1d in train mode needs more than one sample)")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = torch_backbones.canonical(a.model)
    backbone = torch_backbones.build(model, a.emb).train()
    weight = torch.nn.Parameter(torch.normal(0, 0.01, (a.classes, a.emb)))
    params = [p for p in backbone.parameters() if p.requires_grad] + [weight]
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4)
    print(f"{model}: {torch_backbones.trainable_count(backbone):,} trainable backbone parameters, "
          f"head {a.classes}x{a.emb}, batch {a.batch}, threads {a.threads}, bf16 {a.bf16}", file=sys.stderr)

    steps, fwd, head, bwd, upd = [], [], [], [], []
    for i in range(a.warmup + a.steps):
        # fresh random images and labels each step, outside the timed region
        images = torch.randn(a.batch, 3, 112, 112)
        labels = torch.randint(0, a.classes, (a.batch,))
        loss, (t0, t1, t2, t3, t4) = step(backbone, images, weight, labels, optimizer, a.bf16)
        ms = (t4 - t0) * 1e3
        if i >= a.warmup:
            steps.append(ms)
            fwd.append((t1 - t0) * 1e3)
            head.append((t2 - t1) * 1e3)
            bwd.append((t3 - t2) * 1e3)
            upd.append((t4 - t3) * 1e3)
        print(f"step {i}{' (warmup)' if i < a.warmup else ''} loss {loss.item():.4f} {ms:.1f} ms "
              f"(fwd {(t1 - t0) * 1e3:.1f}, head {(t2 - t1) * 1e3:.1f}, bwd {(t3 - t2) * 1e3:.1f}, "
              f"upd {(t4 - t3) * 1e3:.1f})", file=sys.stderr)

    median = statistics.median(steps) if steps else None
    out = {
        "impl": "pytorch",
        "model": model,
        "emb": a.emb,
        "classes": a.classes,
        "batch": a.batch,
        "threads": a.threads,
        "bf16": a.bf16,
        "steps": a.steps,
        "step_ms_median": median,
        "step_ms_min": min(steps) if steps else None,
        "images_per_s": a.batch / (median / 1e3) if median else None,
        "phase_forward_ms": mean(fwd),
        "phase_head_ms": mean(head),
        "phase_backward_ms": mean(bwd),
        "phase_update_ms": mean(upd),
        "peak_rss_mb": peak_rss_mb(),
        "torch_version": torch.__version__,
        "blas": blas_string(),
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
