#!/usr/bin/env bash
# Issue 16: how fast fine-tuning a pretrained backbone on NEW identities converges with a fresh N(0, 0.01) head
# versus grow_init: mean (every class's row starts at the normalised mean embedding of its images).
#
#   bench/finetune_convergence.sh OUT [SEEDS] [STEPS]
#   e.g. bench/finetune_convergence.sh /tmp/finetune "7 8 9" 60
#
# 1. Pretraining data: 500 generated identities × 16 views (seed 2026); TinyFaceNet (emb 128) + dist_arcface
#    (m 0.3, s 32) trained on it for 300 steps at batch 128, lr 0.2 → 0.02 at step 225 (the demo's recipe), fp32.
#    (lr is given per global batch 1024 and scaled by batch / 1024, PLSC's rule: lr=1.6 at batch 128 runs at 0.2.)
# 2. Fine-tuning data: 100 NEW identities (generator identities 500..599, never seen) × 8 views.
# 3. For each seed, two runs from the pretrained checkpoint (pretrained_model), identical but for grow_init:
#    a fresh arcface head of 100 classes, batch 64, lr 0.1 cosine-decayed (backbone at 0.1×), STEPS steps, the loss and train
#    accuracy of the last batch logged every 5 steps.
# Every plsc command holds /tmp/plsc-heavy.lock alone (the machine is shared). Finished runs in OUT are kept.
# Then prints, per logged step, the median over the seeds of loss and accuracy for both, with [min, max].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=$1; seeds=${2:-7 8 9}; steps=${3:-60}
mkdir -p "$out"
plsc() { flock /tmp/plsc-heavy.lock "$here/plsc" "$@"; }
[ -d "$out/base-data" ] || plsc data convert --from-generator --classes 500 --per-class 16 --seed 2026 --out "$out/base-data"
[ -d "$out/new-data" ] || plsc data convert --from-generator --classes 100 --per-class 8 --seed 2026 --first-class 500 \
  --out "$out/new-data"
common=(model_name=TinyFaceNet loss_type=dist_arcface margin=0.3 scale=32 emb_dim=128 warmup_epochs=0 calc_acc=true
  "val_targets=[]" mixed_precision=false)
if ! grep -qs '"step":300' "$out/base/metrics.jsonl"; then
  rm -rf "$out/base"
  plsc train "${common[@]}" num_classes=500 train_batch_size=128 lr=1.6 "lr_steps=[225]" train_steps=300 log_period=50 \
    save_steps=300 dataset_dir="$out/base-data" model_save_dir="$out/base" seed=1 > "$out/base.log" 2>&1
fi
base="$out/base/checkpoints/step-00000300"
for s in $seeds; do
  for init in random mean; do
    dir="$out/$init-s$s"
    if ! grep -qs "\"step\":$steps," "$dir/metrics.jsonl"; then
      rm -rf "$dir"
      plsc train "${common[@]}" pretrained_model="$base" grow_init=$init num_classes=100 train_batch_size=64 lr=1.6 \
        lr_scheduler=cosine backbone_lr_scale=0.1 train_steps="$steps" log_period=5 save_steps="$steps" \
        dataset_dir="$out/new-data" model_save_dir="$dir" seed="$s" > "$dir.log" 2>&1
    fi
  done
done
python3 - "$out" "$seeds" <<'PY'
import json, statistics, sys
out, seeds = sys.argv[1], sys.argv[2].split()
def curve(init, seed):
    rows = [json.loads(l) for l in open(f"{out}/{init}-s{seed}/metrics.jsonl") if l.strip()]
    return {r["step"]: (r["loss"], r["acc"]) for r in rows if "loss" in r and r.get("step")}
curves = {init: [curve(init, s) for s in seeds] for init in ("random", "mean")}
steps = sorted(set.intersection(*(set(c) for cs in curves.values() for c in cs)))
def cell(init, step, k, fmt):
    v = [c[step][k] for c in curves[init]]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}, {fmt.format(max(v))}]"
print(f"median over seeds {' '.join(seeds)} [min, max]")
print("| step | loss, fresh head | loss, grow_init mean | train acc, fresh head | train acc, grow_init mean |")
print("|---|---|---|---|---|")
for st in steps:
    print(f"| {st} | {cell('random', st, 0, '{:.2f}')} | {cell('mean', st, 0, '{:.2f}')} | {cell('random', st, 1, '{:.3f}')} | {cell('mean', st, 1, '{:.3f}')} |")
PY
