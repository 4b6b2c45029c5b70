#!/usr/bin/env bash
# Time from a killed node to training again under plsc launch --nnodes 1:2 (issue 21), on one host: two network
# namespaces joined by a veth pair (own IPs, GLOO_SOCKET_IFNAME). Node 1's launcher and worker are SIGKILLed one
# second after the checkpoint of step 20; node 0's log lines are time-stamped as they arrive. Needs root (ip netns).
#   TIMEOUT=5 MODE=leave|rejoin bench/elastic_kill_node.sh [WORK_DIR]
#   (leave: node 1 stays dead; rejoin: node 1 is started again at once). Run it under the lock.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath -m "${1:-/tmp/plsc-elastic-bench}"); rm -rf $B; mkdir -p $B
P=$here/plsc
TIMEOUT=${TIMEOUT:-5}
MODE=${MODE:-leave}
$P data convert --from-generator --classes 200 --per-class 8 --out $B/data > $B/data.log 2>&1 || { cat $B/data.log; exit 1; }
ip netns add eb0; ip netns add eb1; ip link add eba type veth peer name ebb
ip link set eba netns eb0; ip link set ebb netns eb1
ip -n eb0 addr add 10.78.0.1/24 dev eba; ip -n eb1 addr add 10.78.0.2/24 dev ebb
ip -n eb0 link set eba up; ip -n eb1 link set ebb up; ip -n eb0 link set lo up; ip -n eb1 link set lo up
cleanup() { ip netns pids eb0 2>/dev/null | xargs -r kill -9; ip netns pids eb1 2>/dev/null | xargs -r kill -9; ip netns del eb0; ip netns del eb1; }
trap cleanup EXIT
node() { k=$1; ifn=$2
  ip netns exec eb$k env GLOO_SOCKET_IFNAME=$ifn $P launch --nproc 1 --nnodes 1:2 --master-addr 10.78.0.1 --master-port 29650 \
    --rendezvous-timeout $TIMEOUT --max-restarts 1 --restart-delay 0 -- train --timeout 30 model_name=TinyFaceNet emb_dim=64 \
    num_classes=200 train_batch_size=16 lr=0.1 train_steps=60 save_steps=10 log_period=1 val_targets=[] loss_type=dist_arcface \
    data_order=global dataset_dir=$B/data model_save_dir=$B/run 2>&1 | while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done; }
node 0 eba > $B/node0.log &
n0=$!
node 1 ebb > $B/node1.log &
until grep -q "saved step-00000020" $B/node0.log; do sleep 0.2; done
sleep 1
kill_at=$(date +%s.%N)
ip netns pids eb1 | xargs -r kill -9
if [ "$MODE" = rejoin ]; then node 1 ebb > $B/node1-again.log & fi
wait $n0
echo "killed at $kill_at"
python3 - "$kill_at" $B/node0.log <<'PY'
import sys, re
kill = float(sys.argv[1]); lines = [l.rstrip('\n').split(' ', 1) for l in open(sys.argv[2])]
lines = [(float(t), s) for t, s in lines if t.replace('.', '').isdigit()]
after = [(t, s) for t, s in lines if t >= kill]
def first(pat):
    for t, s in after:
        if re.search(pat, s):
            return t - kill, s
    return None, None
for name, pat in [("failure seen by node 0", r"exited with code"), ("round 1 closed", r"round 1: \d node"),
                  ("checkpoint loaded", r"resumed from")]:
    d, s = first(pat)
    print(f"{name}: {d:.2f} s  | {s}" if d is not None else f"{name}: not seen")
    if name == "checkpoint loaded":
        after = [(t, s) for t, s in after if t - kill >= d]
d, s = first(r"\[rank 0\] step \d+/")
print(f"first step after the resume: {d:.2f} s  | {s}")
PY
