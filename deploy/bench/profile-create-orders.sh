#!/usr/bin/env bash
# Where CreateOrder's time goes (issue 18, P1): runs `bench create-orders`
# against the orders service on a fresh PostgreSQL database and reports
#  - the CPU each party used during the run (the orders service, PostgreSQL's
#    processes, NATS, the load generator), from /proc, in CPU seconds and
#    per order;
#  - the orders service's hottest functions, from `perf record` (user space
#    of the service's own process; no root needed).
#
#   cargo build --release --bins && deploy/bench/profile-create-orders.sh
#
# Variables: ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
# BIN (target/release), ORDERS (20000), CALLERS (32), PERF (1: profile;
# 0: only the CPU split), PERF_DATA (a path to keep perf.data at, for
# `perf report -i` afterwards). Nothing else may listen on 50051 meanwhile.
set -euo pipefail
ORDERS=${ORDERS:-20000}
CALLERS=${CALLERS:-32}
PERF=${PERF:-1}
# shellcheck source=deploy/bench/orders-alone.sh
source "$(dirname "$0")/orders-alone.sh"
# CPU seconds (user + system) a process has used.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
postgres_cpu() {
  local total=0 pid
  for pid in $(pgrep -x postgres || true); do
    total=$(awk -v t="$total" -v c="$(cpu_of "$pid")" 'BEGIN { printf "%.2f", t + c }')
  done
  echo "$total"
}

orders_alone bench_profile_orders

orders_before=$(cpu_of "$orders_pid")
postgres_before=$(postgres_cpu)
nats_before=$(cpu_of "$nats_pid")
if [[ $PERF == 1 ]]; then
  perf record -F 997 -g -o "$work/perf.data" -p "$orders_pid" >/dev/null 2>"$work/perf.log" &
  perf_pid=$!
fi
began=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/bench.time" \
  "$BIN/orderflow" bench create-orders --orders "$ORDERS" --callers "$CALLERS" | tee "$work/bench.txt"
ended=$(date +%s.%N)
if [[ $PERF == 1 ]]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" 2>/dev/null || true
  [[ -n ${PERF_DATA:-} ]] && cp "$work/perf.data" "$PERF_DATA"
fi
orders_used=$(awk -v a="$orders_before" -v b="$(cpu_of "$orders_pid")" 'BEGIN { print b - a }')
postgres_used=$(awk -v a="$postgres_before" -v b="$(postgres_cpu)" 'BEGIN { print b - a }')
nats_used=$(awk -v a="$nats_before" -v b="$(cpu_of "$nats_pid")" 'BEGIN { print b - a }')
bench_used=$(awk '{ print $1 + $2 }' "$work/bench.time")

echo
echo "CPU during the run ($(awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.1f", b - a }') s of wall time, $(nproc) cores):"
for party in orders postgres nats bench; do
  used_var="${party}_used"
  awk -v p="$party" -v s="${!used_var}" -v n="$ORDERS" \
    'BEGIN { printf "  %-10s %7.2f CPU s  %6.0f µs per order\n", p, s, s / n * 1e6 }'
done

if [[ $PERF == 1 ]]; then
  echo
  echo "The orders service's hottest functions (self time, user space):"
  perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | cut -c1-150 | sed 's/ *$//' | head -40
  echo
  echo "Grouped by crate (self time):"
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
    awk '/^ +[0-9]/ {
      pct = $1; sub("%", "", pct); $1 = ""; $2 = ""; sym = $0
      crate = "other"
      if (match(sym, /(tokio|h2|hyper|tonic|prost|sqlx[a-z_]*|sea_query|sea_orm|serde_json|serde|tracing[a-z_]*|opentelemetry[a-z_]*|jsonwebtoken|ring|rustls|mimalloc|async_nats|chrono|uuid|orderflow_[a-z_]+|core|alloc|std)::/)) {
        crate = substr(sym, RSTART, RLENGTH - 2)
      } else if (sym ~ /mi_|_mi_/) { crate = "mimalloc" }
      else if (sym ~ /\[k\]/) { crate = "kernel" }
      share[crate] += pct
    }
    END { for (c in share) printf "  %6.2f%%  %s\n", share[c], c }' | sort -rn | head -25
fi
