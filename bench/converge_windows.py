#!/usr/bin/env python3
"""Issue 19: the early steps of both trainings compared by WINDOW means, not by one batch's loss.

  python3 bench/converge_windows.py OUT [WORKERS]

OUT is a bench/converge.sh output directory from a run that logged every step, e.g.
  TORCH_ARGS="--steps 60 --log-period 1 --margin-gradient exact" bench/converge.sh DATA OUT "7 8 9 10 11 12" "1" \
      -- margin_gradient=exact train_steps=60 log_period=1 "val_targets=[]" save_steps=60
For each window of steps it prints each seed's mean loss over the window, both sides' means over the seeds, their
difference, and Welch's t (difference / its standard error from the seed-to-seed spread): one batch's loss varies by
±0.3–1 between seeds, so only window means over several seeds tell a real offset from noise.
"""
import glob
import json
import math
import os
import re
import sys

WINDOWS = [(1, 1), (2, 5), (6, 10), (11, 20), (21, 30), (31, 40), (41, 50), (51, 60)]


def curves(out, workers):
    ours, torch = {}, {}
    for path in glob.glob(os.path.join(out, f"ours-{workers}w-s*", "metrics.jsonl")):
        if not os.path.isfile(path):
            continue
        seed = int(re.search(r"-s(\d+)$", os.path.dirname(path)).group(1))
        with open(path) as f:
            ours[seed] = {e["step"]: e["loss"] for e in map(json.loads, f)}
    for path in glob.glob(os.path.join(out, f"torch-{workers}w-s*.json")):
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            continue  # missing, or still running
        seed = int(re.search(r"-s(\d+)\.json$", path).group(1))
        with open(path) as f:
            torch[seed] = {int(k): v for k, v in json.load(f)["loss"].items()}
    return ours, torch


def mean(xs):
    return sum(xs) / len(xs)


def var(xs):
    m = mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else float("nan")


def main():
    out = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    ours, torch = curves(out, workers)
    print(f"{workers} worker(s): PLSC-J seeds {sorted(ours)}, PyTorch seeds {sorted(torch)}; mean loss over each window\n")
    print("| steps | PLSC-J | PyTorch | difference | Welch t |")
    print("|---|---|---|---|---|")
    for lo, hi in WINDOWS:
        o = [mean([c[s] for s in range(lo, hi + 1)]) for c in ours.values() if hi in c]
        t = [mean([c[s] for s in range(lo, hi + 1)]) for c in torch.values() if hi in c]
        if len(o) < 2 or len(t) < 2:
            continue
        se = math.sqrt(var(o) / len(o) + var(t) / len(t))
        d = mean(o) - mean(t)
        print(f"| {lo}–{hi} | {mean(o):.2f} ± {math.sqrt(var(o)):.2f} | {mean(t):.2f} ± {math.sqrt(var(t)):.2f} | "
              f"{d:+.2f} | {d / se:+.1f} |")


if __name__ == "__main__":
    main()
