#!/usr/bin/env bash
# The gradient all-reduce overlapped with backward (bucket_cap_mb) against one all-reduce after backward, on two
# "machines" on one host: two network namespaces joined by a veth pair whose both ends are limited to RATE by tc
# (a token bucket), each worker pinned to its own core by taskset. One 'plsc bench train' invocation per node runs
# both bucket caps alternately in every round, so the ratio comes from neighbouring runs. Needs root (ip netns, tc).
#   bench/overlap_two_machines.sh [extra 'plsc bench train' options]
#   RATE=1gbit MODEL=r50 BATCH=16 STEPS=3 WARMUP=1 REPEAT=2 CAPS=0,25 bench/overlap_two_machines.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rate=${RATE:-1gbit}
ns=(plscovl0 plscovl1)
ifs=(pjovl0 pjovl1)
ips=(10.79.0.1 10.79.0.2)

cleanup() { ip netns del "${ns[0]}" 2>/dev/null || true; ip netns del "${ns[1]}" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add "${ns[0]}"; ip netns add "${ns[1]}"
ip link add "${ifs[0]}" type veth peer name "${ifs[1]}"
for k in 0 1; do
  ip link set "${ifs[$k]}" netns "${ns[$k]}"
  ip -n "${ns[$k]}" addr add "${ips[$k]}/24" dev "${ifs[$k]}"
  ip -n "${ns[$k]}" link set "${ifs[$k]}" up
  ip -n "${ns[$k]}" link set lo up
  # why a token bucket on each end: each direction of a real link has its own capacity
  ip netns exec "${ns[$k]}" tc qdisc add dev "${ifs[$k]}" root tbf rate "$rate" burst 1mb latency 100ms
done

node() {
  local k=$1; shift
  ip netns exec "${ns[$k]}" env GLOO_SOCKET_IFNAME="${ifs[$k]}" MASTER_ADDR="${ips[0]}" MASTER_PORT=29531 WORLD_SIZE=2 \
    RANK="$k" LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 OPENBLAS_NUM_THREADS=1 PLSC_NUM_THREADS=1 \
    taskset -c "$k" "$here/plsc" bench train --model "${MODEL:-r50}" --batch "${BATCH:-16}" --steps "${STEPS:-3}" \
    --warmup "${WARMUP:-1}" --repeat "${REPEAT:-2}" --bucket-cap-mb "${CAPS:-0,25}" "$@"
}

echo "== two machines, $rate each way, one core each: $(nproc) cores on this host"
node 1 "$@" > /tmp/plsc-overlap-node1.log 2>&1 &
node 0 "$@"
wait
