#!/usr/bin/env python3
"""PyTorch peer of `plsc demo`'s training (issue 19): the demo's recipe on the demo's data, in plain PyTorch,
printing the loss of the last batch every --log-period steps and the held-out verification accuracy.

  /usr/bin/python3 bench/torch_converge.py --data plsc-demo/data --seed 7 [--workers 2] [--margin-gradient exact]

The recipe (DemoCommand.trainArguments): TinyFaceNet (bench/torch_backbones.py, the same init rule), embedding 128,
arcface m = 0.3, s = 32 on normalised embeddings and centres W [C, 128] ~ N(0, 0.01), one torch.optim.SGD (momentum
0.9, weight decay 5e-4 on every parameter, backbone and W), global batch 128, lr 0.2 (PLSC: 1.6 x 128/1024) -> 0.02
at step 225, 300 steps, each epoch a fresh permutation of the records, random horizontal mirror (p = 0.5), pixels
(x - 127.5)/128 (org.plscj.data.ImageDecoder).

--margin-gradient (plsc train's margin_gradient): `straight_through` (default) = arcface_torch's CombinedMarginLoss (arccos/cos under no_grad: d logit/d cos = s on the
target); `exact` = autograd through cos(acos(t) + m) (PLSC's and PLSC-J's default, org.plscj.head.Margin).
--workers 2 emulates DDP without SyncBN in one process: each half of the global batch runs through the backbone
alone (its own BatchNorm batch statistics), the loss is the mean over the global batch (arcface_torch's distributed
cross entropy), so the gradient is the workers' summed one; BN running statistics are rank 0's (DDP broadcasts them
before each forward; PLSC-J keeps each worker's own, which only changes evaluation, not the training loss).

Data: a PLSC base64 directory (file_list.txt; lines "<base64 JPEG>\\t<label>"), e.g. what `plsc demo` writes under
<out>/data, or `plsc data convert --from-generator` output; the held-out set is <data>/heldout.bin (insightface's
.bin, 10-fold accuracy on flip-summed embeddings, thresholds 0..4 step 0.01 as insightface's verification.py).
Held in memory: the encoded records (~95 MB for the demo), never the decoded set; batches are decoded when used.
Prints one JSON line on stdout: {"seed", "workers", "steps", "loss": {step: loss}, "heldout_acc", "seconds"}.
"""
import argparse
import json
import math
import os
import pickle
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=128, help="global batch")
    ap.add_argument("--lr", type=float, default=0.2)
    ap.add_argument("--margin", type=float, default=0.3)
    ap.add_argument("--scale", type=float, default=32.0)
    ap.add_argument("--margin-gradient", "--margin-grad", dest="margin_gradient", default="straight_through",
                    choices=("straight_through", "exact"), type=lambda v: "straight_through" if v == "straight" else v)
    ap.add_argument("--log-period", type=int, default=50)
    ap.add_argument("--decay-at", type=int, default=225, help="the step from which lr is lr/10 (the demo: 3/4 of 300)")
    ap.add_argument("--threads", type=int, default=2)
    return ap.parse_args()


ARGS = parse_args()
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_backbones  # noqa: E402
from plsc_records import decode, read_records  # noqa: E402


def batches(images, labels, batch, seed):
    """Endless (images, labels): a fresh permutation per epoch, the last partial batch dropped, mirror p = 0.5."""
    rng = np.random.default_rng(seed)
    per_epoch = len(images) // batch
    while True:
        order = rng.permutation(len(images))
        for b in range(per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            mirror = rng.random(len(idx)) < 0.5
            x = np.stack([decode(images[i], m) for i, m in zip(idx, mirror)])
            yield torch.from_numpy(x), torch.from_numpy(labels[idx])


def margin_logits(cos, labels, m, s, exact):
    """s * cos with the target's cos(theta) replaced by cos(theta + m)."""
    rows = torch.arange(cos.size(0))
    target = cos[rows, labels]
    if exact:
        # org.plscj.head.Margin: clamp to [-1 + 1e-6, 1 - 1e-6]; past theta + m = pi the continuation t - m sin m
        t = target.clamp(-1 + 1e-6, 1 - 1e-6)
        angle = torch.acos(t) + m
        psi = torch.where(angle <= math.pi, torch.cos(angle), t - m * math.sin(m))
    else:
        # arcface_torch CombinedMarginLoss (m1 = 1, m3 = 0): the margin is added under no_grad
        with torch.no_grad():
            psi_value = torch.cos(torch.acos(target.clamp(-1, 1)) + m)
        psi = target + (psi_value - target).detach()
    one_hot = F.one_hot(labels, cos.size(1)).to(cos.dtype)
    return s * (cos + one_hot * (psi - target).unsqueeze(1))


def buffer_slots(model):
    return [(m, n) for m in model.modules() for n, b in m.named_buffers(recurse=False) if b is not None]


def embed(model, x, workers):
    """The embeddings of a global batch; with 2 workers each half alone through BatchNorm (its own statistics), the
    running statistics continued from rank 0's (DDP broadcasts rank 0's buffers before every forward)."""
    if workers == 1:
        return model(x)
    slots = buffer_slots(model)
    before = [m._buffers[n] for m, n in slots]
    out = []
    for r, h in enumerate(x.chunk(workers)):
        # why rebinding, not copy_: autograd keeps the tensors an earlier half's BatchNorm read
        for (m, n), b in zip(slots, before):
            m._buffers[n] = b.clone()
        out.append(model(h))
        if r == 0:
            rank0 = [m._buffers[n] for m, n in slots]
    for (m, n), b in zip(slots, rank0):
        m._buffers[n] = b
    return torch.cat(out)


def heldout_accuracy(model, path):
    with open(path, "rb") as f:
        bins, issame = pickle.load(f, encoding="bytes")
    model.eval()
    feats = []
    with torch.no_grad():
        for i in range(0, len(bins), 100):
            x = torch.from_numpy(np.stack([decode(b, False) for b in bins[i:i + 100]]))
            feats.append(F.normalize(model(x) + model(x.flip(3))))
    model.train()
    e = torch.cat(feats).numpy().astype(np.float64)
    dist = ((e[0::2] - e[1::2]) ** 2).sum(1)
    same = np.array(issame, dtype=bool)
    thresholds = np.arange(0, 4, 0.01)
    n, k = len(same), 10
    accs, start = [], 0
    for fold in range(k):
        size = n // k + (1 if fold < n % k else 0)
        test = np.zeros(n, dtype=bool)
        test[start:start + size] = True
        start += size
        train_acc = [((dist[~test] < t) == same[~test]).mean() for t in thresholds]
        best = thresholds[int(np.argmax(train_acc))]
        accs.append(((dist[test] < best) == same[test]).mean())
    return float(np.mean(accs))


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    images, labels = read_records(ARGS.data)
    classes = int(labels.max()) + 1
    model = torch_backbones.build("TinyFaceNet", 128)
    weight = torch.nn.Parameter(torch.randn(classes, 128) * 0.01)
    opt = torch.optim.SGD(list(model.parameters()) + [weight], lr=ARGS.lr, momentum=0.9, weight_decay=5e-4)
    losses = {}
    start = time.time()
    data = batches(images, labels, ARGS.batch, ARGS.seed)
    for step in range(ARGS.steps):
        for g in opt.param_groups:
            g["lr"] = ARGS.lr * (0.1 if step >= ARGS.decay_at else 1.0)
        x, y = next(data)
        cos = F.linear(F.normalize(embed(model, x, ARGS.workers)), F.normalize(weight)).clamp(-1, 1)
        loss = F.cross_entropy(margin_logits(cos, y, ARGS.margin, ARGS.scale, ARGS.margin_gradient == "exact"), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % ARGS.log_period == 0:
            losses[step + 1] = round(loss.item(), 4)
            print(f"step {step + 1} loss {loss.item():.4f}", file=sys.stderr, flush=True)
    acc = heldout_accuracy(model, os.path.join(ARGS.data, "heldout.bin"))
    print(json.dumps({"seed": ARGS.seed, "workers": ARGS.workers, "margin_gradient": ARGS.margin_gradient, "steps": ARGS.steps,
                      "loss": losses, "heldout_acc": round(acc, 5), "seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
