#!/usr/bin/env bash
# The flow benchmark on PostgreSQL, every service its own process (issue 18).
#
#   cargo build --release --bins && deploy/bench/flow-postgres.sh
#
# 1. Starts a NATS server of its own and the eight services from
#    $BIN (target/release), each on a fresh database of the PostgreSQL
#    server at $ADMIN_URL, and waits until all are SERVING (migrations run).
# 2. P3: stops them, starts each again on its migrated database and times
#    the start to SERVING, then reads each one's idle RSS.
# 3. Runs `orderflow bench flow` with pgbench's limit (--limit), counting
#    commits from pg_stat_database and sampling every service's RSS;
#    the report goes to $OUT (JSON) and beside it as SVG.
#
# Variables: ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
# BIN (target/release), ORDERS (600), RATE (10), CLIENTS (32),
# OUT (docs/bench/flow-postgres.json), LABEL (postgres-processes).
# Nothing else may listen on 50051-50058 meanwhile (no `orderflow up`).
set -euo pipefail

ADMIN_URL=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BIN=${BIN:-target/release}
ORDERS=${ORDERS:-600}
RATE=${RATE:-10}
CLIENTS=${CLIENTS:-32}
OUT=${OUT:-docs/bench/flow-postgres.json}
LABEL=${LABEL:-postgres-processes}
SERVICES=(orders approvals finance inventory production procurement logistics aftersales)
declare -A PORT=([orders]=50051 [approvals]=50052 [finance]=50053 [inventory]=50054
  [production]=50055 [procurement]=50056 [logistics]=50057 [aftersales]=50058)

work=$(mktemp -d /tmp/orderflow-bench.XXXX)
nats_port=$((20000 + RANDOM % 20000))
export NATS_URL="nats://127.0.0.1:${nats_port}"
export ORDERFLOW_JWT_SECRET=${ORDERFLOW_JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=${RUST_LOG:-warn}
base=${ADMIN_URL%/*}
declare -A PID

cleanup() {
  for service in "${SERVICES[@]}"; do
    [[ -n ${PID[$service]:-} ]] && kill "${PID[$service]}" 2>/dev/null || true
  done
  [[ -n ${nats_pid:-} ]] && kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  for service in "${SERVICES[@]}"; do
    psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS bench_${service} WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

start() {
  local service=$1
  DATABASE_URL="${base}/bench_${service}" GRPC_ADDR="127.0.0.1:${PORT[$service]}" \
    "$BIN/orderflow-${service}" >>"$work/${service}.log" 2>&1 &
  PID[$service]=$!
}

serving() {
  local service=$1
  if ! "$BIN/orderflow" health --wait 60 "http://127.0.0.1:${PORT[$service]}" >/dev/null 2>&1; then
    echo "${service} is not SERVING after 60 s; its log:" >&2
    tail -20 "$work/${service}.log" >&2
    exit 1
  fi
}

rss_mib() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

stop_all() {
  for service in "${SERVICES[@]}"; do kill "${PID[$service]}"; done
  for service in "${SERVICES[@]}"; do wait "${PID[$service]}" 2>/dev/null || true; done
}

nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
nats_pid=$!
for service in "${SERVICES[@]}"; do
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS bench_${service} WITH (FORCE)" >/dev/null
  psql -q "$ADMIN_URL" -c "CREATE DATABASE bench_${service}" >/dev/null
done

echo "starting the services (first start: migrations) ..."
for service in "${SERVICES[@]}"; do start "$service"; done
for service in "${SERVICES[@]}"; do serving "$service"; done
stop_all

echo "P3: start to SERVING on a migrated database, then idle RSS after 5 s"
startup="$work/startup.txt"
for service in "${SERVICES[@]}"; do
  began=$(now_ms)
  start "$service"
  serving "$service"
  echo "$service $(($(now_ms) - began))" >>"$startup"
done
sleep 5
printf '  %-12s %12s %14s\n' service "SERVING (ms)" "idle RSS (MiB)"
while read -r service ms; do
  printf '  %-12s %12s %14s\n' "$service" "$ms" "$(rss_mib "${PID[$service]}")"
done <"$startup"

rss_args=()
for service in "${SERVICES[@]}"; do rss_args+=(--rss "${service}=${PID[$service]}"); done
"$BIN/orderflow" bench flow --postgres-url "$ADMIN_URL" --limit --limit-clients "$CLIENTS" \
  --orders "$ORDERS" --rate "$RATE" --label "$LABEL" --out "$OUT" "${rss_args[@]}"
echo "RSS after the run (MiB):"
for service in "${SERVICES[@]}"; do
  printf '  %-12s %s\n' "$service" "$(rss_mib "${PID[$service]}")"
done
