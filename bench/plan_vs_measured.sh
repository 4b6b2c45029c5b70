#!/usr/bin/env bash
# 'plsc plan --time' against 'plsc bench train' on one host (issue 23 point 2): the backbone's speed is measured once
# (one worker, one core), everything else is predicted and then measured on "machines" made of network namespaces
# joined by a veth pair limited by tc, one core per worker (taskset). Each run alternates bucket_cap_mb 0 (one gradient
# all-reduce after backward) and 25 (buckets overlapped with backward) in every round. Prints one line per shape and cap:
# predicted and measured step time and their ratio. Needs root (ip netns, tc). Run it under the heavy-job lock.
#   MODEL=IResNet50 BATCH=8 CLASSES=10000 bench/plan_vs_measured.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
model=${MODEL:-IResNet50}
batch=${BATCH:-8}
classes=${CLASSES:-10000}
bench=(bench train --model "$model" --batch "$batch" --classes "$classes" --steps "${STEPS:-3}" --warmup "${WARMUP:-1}" --repeat "${REPEAT:-2}")
log=${LOG_DIR:-/tmp/plsc-plan-vs-measured}
mkdir -p "$log"
json() { grep -o 'BENCH_JSON .*' "$1" | head -1 | cut -d' ' -f2-; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "== calibration: one worker, one core"
taskset -c 0 env PLSC_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$here/plsc" "${bench[@]}" --bucket-cap-mb 0 > "$log/one.log" 2>&1
one=$(json "$log/one.log")
fwd=$(field "$one" phase_forward_ms); bwd=$(field "$one" phase_backward_ms)
rate=$(python3 -c "print($batch / (($fwd + $bwd) / 1000))")
echo "backbone: forward $fwd ms + backward $bwd ms for $batch images = $rate img/s on one core; measured step $(field "$one" step_ms_median) ms"

predict() { # nodes procs gbit cap
  "$here/plsc" plan --time --nodes "$1" --nproc-per-node "$2" --cores-per-node "$2" --bandwidth-gbit "$3" \
    --backbone-img-s "$rate" --measured-cores 1 model_name="$model" train_batch_size="$batch" num_classes="$classes" \
    bucket_cap_mb="$4" | grep -o 'step  *[0-9,.]* ms' | grep -o '[0-9,.]*' | tr -d ,
}

ns=(plscpvm0 plscpvm1); ifs=(pjpvm0 pjpvm1); ips=(10.80.0.1 10.80.0.2)
. "$here/bench/two_namespaces.sh"
trap namespaces_down EXIT
node() { # k log
  ip netns exec "${ns[$1]}" env GLOO_SOCKET_IFNAME="${ifs[$1]}" MASTER_ADDR="${ips[0]}" MASTER_PORT=29541 WORLD_SIZE=2 \
    RANK="$1" LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 OPENBLAS_NUM_THREADS=1 PLSC_NUM_THREADS=1 \
    taskset -c "$1" "$here/plsc" "${bench[@]}" --bucket-cap-mb 0,25 > "$2" 2>&1
}
row() { # shape cap predicted measured
  printf '| %s | %s | %.0f | %.0f | %.2f |\n' "$1" "$2" "$3" "$4" "$(python3 -c "print($3 / $4)")"
}

echo "| shape | bucket_cap_mb | predicted step ms | measured step ms | predicted / measured |"
echo "|---|---|---|---|---|"
for gbit in 1 0.2; do
  namespaces_up "$(python3 -c "print(int($gbit * 1000))")mbit"
  node 1 "$log/m$gbit-1.log" & node 0 "$log/m$gbit-0.log"; wait
  m=$(json "$log/m$gbit-0.log")
  row "2 machines × 1 worker (1 core), $gbit Gbit/s" 0 "$(predict 2 1 "$gbit" 0)" "$(field "$m" bucket_0_step_ms)"
  row "2 machines × 1 worker (1 core), $gbit Gbit/s" 25 "$(predict 2 1 "$gbit" 25)" "$(field "$m" bucket_25_step_ms)"
done
namespaces_down
"$here/plsc" "${bench[@]}" --nproc 2 --bucket-cap-mb 0,25 > "$log/local.log" 2>&1
m=$(json "$log/local.log")
row "1 machine × 2 workers (1 core each), loopback" 0 "$(predict 1 2 10 0)" "$(field "$m" bucket_0_step_ms)"
row "1 machine × 2 workers (1 core each), loopback" 25 "$(predict 1 2 10 25)" "$(field "$m" bucket_25_step_ms)"
