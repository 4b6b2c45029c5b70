# Sourced by the multi-machine benchmarks: two "machines" on one host, network namespaces ${ns[0]} and ${ns[1]} joined
# by a veth pair (${ifs[0]} ↔ ${ifs[1]}, addresses ${ips[0]} and ${ips[1]}/24), each end optionally limited by tc.
# The caller sets the ns, ifs and ips arrays first. Needs root (ip netns, tc).
namespaces_down() { ip netns del "${ns[0]}" 2>/dev/null || true; ip netns del "${ns[1]}" 2>/dev/null || true; }
namespaces_up() { # [rate, e.g. 1000mbit: a token bucket on each end]
  namespaces_down
  ip netns add "${ns[0]}"; ip netns add "${ns[1]}"
  ip link add "${ifs[0]}" type veth peer name "${ifs[1]}"
  for k in 0 1; do
    ip link set "${ifs[$k]}" netns "${ns[$k]}"
    ip -n "${ns[$k]}" addr add "${ips[$k]}/24" dev "${ifs[$k]}"
    ip -n "${ns[$k]}" link set "${ifs[$k]}" up
    ip -n "${ns[$k]}" link set lo up
    if [ -n "${1:-}" ]; then
      ip netns exec "${ns[$k]}" tc qdisc add dev "${ifs[$k]}" root tbf rate "$1" burst 1mb latency 100ms
    fi
  done
}
