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

SMALL=${SMALL:-10000}
LARGE=${LARGE:-1000000}
OUT_DIR=${OUT_DIR:-docs/bench}
# shellcheck source=deploy/bench/orders-alone.sh
source "$(dirname "$0")/orders-alone.sh"
orders_alone bench_p4_orders

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
