#!/usr/bin/env bash
# Save and resume times of a large head across two "machines" that share no disk (issue 22), on one host:
# two network namespaces joined by a veth pair (own IPs, GLOO_SOCKET_IFNAME), each with a private bind-mounted
# local disk, and a dir:// store both reach. Both "disks" are directories of this host's one disk, so the
# times are an upper bound of two real machines writing in parallel. Needs root (ip netns, mount).
#   bench/two_machines_save_resume.sh [WORK_DIR]      (CLASSES=1000000 EMB=512 by default)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-/tmp/plsc-two-machines}")
classes=${CLASSES:-1000000}
emb=${EMB:-512}
ns=(plscbench0 plscbench1)
ifs=(pjbench0 pjbench1)
ips=(10.78.0.1 10.78.0.2)

. "$here/bench/two_namespaces.sh"
trap namespaces_down EXIT
namespaces_up

rm -rf "$work"; mkdir -p "$work/disk" "$work/store"
"$here/plsc" data convert --from-generator --classes 11 --per-class 8 --out "$work/data" > /dev/null

# node K's launch: its namespace, its own disk mounted at $work/disk, talking over its veth
node() {
  local k=$1; shift
  mkdir -p "$work/node$k"
  ip netns exec "${ns[$k]}" env GLOO_SOCKET_IFNAME="${ifs[$k]}" unshare -m --propagation private sh -c \
    "mount --bind '$work/node$k' '$work/disk' && exec \"\$0\" \"\$@\"" \
    "$here/plsc" launch --nproc 1 --nnodes 2 --node-rank "$k" --master-addr "${ips[0]}" --master-port 29500 -- \
    train model_name=TinyFaceNet emb_dim="$emb" num_classes="$classes" train_batch_size=8 lr=0.1 log_period=1 \
    val_targets=[] data_order=global dataset_dir="$work/data" local_save_dir="$work/disk/staging" \
    model_save_dir="dir://$work/store/run" "$@"
}

echo "== saving at step 2 on two machines ($classes classes × $emb)"
node 0 train_steps=2 save_steps=2 > "$work/save0.log" 2>&1 & node 1 train_steps=2 save_steps=2 > "$work/save1.log" 2>&1; wait
grep -h "saved\|error" "$work/save0.log" "$work/save1.log" || true
du -sh "$work/node0/staging/checkpoints" "$work/node1/staging/checkpoints" "$work/store/run/checkpoints"

echo "== resuming on two fresh machines (empty disks: each downloads its part)"
rm -rf "$work/node0" "$work/node1"
node 0 train_steps=3 save_steps=3 --resume > "$work/resume0.log" 2>&1 & node 1 train_steps=3 save_steps=3 --resume > "$work/resume1.log" 2>&1; wait
grep -h "resumed\|downloading\|saved\|error" "$work/resume0.log" "$work/resume1.log" || true
