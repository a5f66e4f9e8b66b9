#!/usr/bin/env bash
# P4 of issue 18: does the orders service's cost stay flat as its database
# grows from 10,000 to 1,000,000 orders?
#
#   cargo build --release --bins && deploy/bench/p4-postgres.sh
#
# 1. Starts a NATS server of its own and the orders service from $BIN on a
#    fresh PostgreSQL database (bench_p4_orders at $ADMIN_URL's server).
# 2. `bench create-orders` of $SMALL orders (32 callers; the first run also
#    measures pgbench's single-INSERT limit: P1), then `bench reads`.
# 3. `bench reads --grow-to $LARGE` (copies of those orders and their
#    timelines), then `bench create-orders` and `bench reads` again.
# Prints both CreateOrder throughputs and every read path's p99 at both
# sizes, with the ratios P4 asks for (≥ 0.8 and ≤ 1.5); the reads' JSON go
# to $OUT_DIR.
#
# Variables: ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
# BIN (target/release), SMALL (10000), LARGE (1000000),
# OUT_DIR (docs/bench). Nothing else may listen on 50051 meanwhile.
set -euo pipefail

ADMIN_URL=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BIN=${BIN:-target/release}
SMALL=${SMALL:-10000}
LARGE=${LARGE:-1000000}
OUT_DIR=${OUT_DIR:-docs/bench}
base=${ADMIN_URL%/*}
database="${base}/bench_p4_orders"

work=$(mktemp -d /tmp/orderflow-p4.XXXX)
nats_port=$((20000 + RANDOM % 20000))
export NATS_URL="nats://127.0.0.1:${nats_port}"
export ORDERFLOW_JWT_SECRET=${ORDERFLOW_JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=${RUST_LOG:-warn}

cleanup() {
  [[ -n ${orders_pid:-} ]] && kill "$orders_pid" 2>/dev/null || true
  [[ -n ${nats_pid:-} ]] && kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS bench_p4_orders WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
nats_pid=$!
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS bench_p4_orders WITH (FORCE)" >/dev/null
psql -q "$ADMIN_URL" -c "CREATE DATABASE bench_p4_orders" >/dev/null
DATABASE_URL="$database" GRPC_ADDR=127.0.0.1:50051 \
  APPROVALS_URL=http://127.0.0.1:1 INVENTORY_URL=http://127.0.0.1:1 \
  "$BIN/orderflow-orders" >>"$work/orders.log" 2>&1 &
orders_pid=$!
for _ in $(seq 1 600); do
  "$BIN/orderflow" health http://127.0.0.1:50051 >/dev/null 2>&1 && break
  sleep 0.1
done

throughput() { awk '/throughput/ { print $2 }' "$1"; }
p99() { awk -v path="$2" 'index($0, "  " path " ") { for (i = 1; i <= NF; i++) if ($i == "p99") print $(i + 1) }' "$1"; }

echo "== $SMALL orders"
"$BIN/orderflow" bench create-orders --orders "$SMALL" --limit-postgres-url "$ADMIN_URL" | tee "$work/create-small.txt"
"$BIN/orderflow" bench reads --postgres-url "$database" --json "$OUT_DIR/reads-10k.json" | tee "$work/reads-small.txt"
echo "== grown to $LARGE orders"
"$BIN/orderflow" bench reads --postgres-url "$database" --grow-to "$LARGE" --json "$OUT_DIR/reads-1m.json" | tee "$work/reads-large.txt"
"$BIN/orderflow" bench create-orders --orders "$SMALL" | tee "$work/create-large.txt"

echo "== P4"
small=$(throughput "$work/create-small.txt")
large=$(throughput "$work/create-large.txt")
awk -v s="$small" -v l="$large" 'BEGIN { printf "  CreateOrder %s → %s orders/s: %.2f (target ≥ 0.80)\n", s, l, l / s }'
for path in "GetOrder" "ListOrders first page" "ListOrders deep page" "GetOrderTimeline"; do
  before=$(p99 "$work/reads-small.txt" "$path")
  after=$(p99 "$work/reads-large.txt" "$path")
  awk -v p="$path" -v b="$before" -v a="$after" \
    'BEGIN { printf "  %-22s p99 %s → %s ms: %.2f (target ≤ 1.50)\n", p, b, a, a / b }'
done
