#!/usr/bin/env bash
# Issue 19: the demo's training in PLSC-J and in plain PyTorch, side by side, over seeds and worker counts.
#
#   bench/converge.sh DATA OUT [SEEDS] [WORKERS] [-- extra plsc train key=value ...]
#   e.g. bench/converge.sh plsc-demo/data /tmp/converge "7 8 9" "1 2"
#
# DATA: the demo's data (`./plsc demo` writes it under <out>/data; DataConvert.fromGenerator(1000, 16, 2026, ...)
# plus heldout.bin). For each seed and worker count: `plsc launch --nproc W -- plsc train <the demo's recipe,
# global batch 128, fp32>` into OUT/ours-<W>w-s<seed>, and bench/torch_converge.py into OUT/torch-<W>w-s<seed>.json;
# each run holds /tmp/plsc-heavy.lock alone (the machine is shared). Then bench/converge_table.py OUT prints the
# curves (loss of the last batch every 50 steps, mean and range over the seeds) and the held-out accuracy.
# Runs already complete in OUT are kept. PyTorch side: TORCH_ARGS (e.g. "--margin-gradient exact"; plsc train keys after --, e.g. margin_gradient=straight_through).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data=$1; out=$2; seeds=${3:-7 8 9}; workers=${4:-1 2}
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
mkdir -p "$out"
steps=300  # a run is complete when metrics.jsonl has its last step (train_steps=N among the extra keys overrides)
for a in "$@"; do case $a in train_steps=*) steps=${a#train_steps=};; esac; done
for w in $workers; do
  for s in $seeds; do
    dir="$out/ours-${w}w-s$s"
    if ! grep -qs "\"step\":$steps," "$dir/metrics.jsonl"; then
      rm -rf "$dir"
      flock /tmp/plsc-heavy.lock "$here/plsc" launch --nproc "$w" --master-port 0 -- train model_name=TinyFaceNet \
        loss_type=dist_arcface margin=0.3 scale=32 emb_dim=128 num_classes=1000 train_batch_size=$((128 / w)) lr=1.6 \
        "lr_steps=[225]" warmup_epochs=0 train_steps=300 log_period=50 calc_acc=true "val_targets=[heldout]" \
        test_period=300 save_steps=300 test_batch_size=100 dataset_dir="$data" model_save_dir="$dir" seed="$s" \
        mixed_precision=false "$@" > "$dir.log" 2>&1
    fi
    json="$out/torch-${w}w-s$s.json"
    if [ ! -s "$json" ]; then
      # shellcheck disable=SC2086
      flock /tmp/plsc-heavy.lock /usr/bin/python3 "$here/bench/torch_converge.py" --data "$data" --seed "$s" \
        --workers "$w" ${TORCH_ARGS:-} > "$json.tmp" 2> "$json.log" && mv "$json.tmp" "$json"
    fi
  done
done
python3 "$here/bench/converge_table.py" "$out"
