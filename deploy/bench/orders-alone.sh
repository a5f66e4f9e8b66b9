# Sourced by the benchmarks that run the orders service alone
# (p4-postgres.sh, profile-create-orders.sh): `orders_alone NAME` starts a
# NATS server of its own and the orders service from $BIN on a fresh
# PostgreSQL database NAME at $ADMIN_URL's server, waits until it is
# SERVING, and sets $database, $work and $orders_pid; everything is stopped
# and dropped when the script exits.
ADMIN_URL=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BIN=${BIN:-target/release}
export ORDERFLOW_JWT_SECRET=${ORDERFLOW_JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=${RUST_LOG:-warn}

orders_alone() {
  local name=$1
  database="${ADMIN_URL%/*}/${name}"
  work=$(mktemp -d /tmp/orderflow-bench.XXXX)
  local nats_port=$((20000 + RANDOM % 20000))
  export NATS_URL="nats://127.0.0.1:${nats_port}"
  _orders_alone_name=$name
  trap _orders_alone_cleanup EXIT
  nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
  nats_pid=$!
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS ${name} WITH (FORCE)" >/dev/null
  psql -q "$ADMIN_URL" -c "CREATE DATABASE ${name}" >/dev/null
  DATABASE_URL="$database" GRPC_ADDR=127.0.0.1:50051 \
    APPROVALS_URL=http://127.0.0.1:1 INVENTORY_URL=http://127.0.0.1:1 \
    "$BIN/orderflow-orders" >>"$work/orders.log" 2>&1 &
  orders_pid=$!
  for _ in $(seq 1 600); do
    "$BIN/orderflow" health http://127.0.0.1:50051 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the orders service is not SERVING after 60 s; its log:" >&2
  tail -20 "$work/orders.log" >&2
  exit 1
}

_orders_alone_cleanup() {
  [[ -n ${orders_pid:-} ]] && kill "$orders_pid" 2>/dev/null || true
  [[ -n ${nats_pid:-} ]] && kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS ${_orders_alone_name} WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
