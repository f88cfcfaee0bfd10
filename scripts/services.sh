#!/usr/bin/env bash
# Install (when missing) and start the real servers the tests use, on loopback only:
# PostgreSQL and Redis, with their data in a state directory of THIS checkout
# (/tmp/stackaudit-services-<hash of the checkout path>, or $STACKAUDIT_SERVICES_DIR).
#
#   eval "$(bash scripts/services.sh)"      start (or reuse) them; prints the environment the tests read
#   bash scripts/services.sh stop           stop what this checkout started
#   bash scripts/services.sh status         say what runs, where
#
# Ports are this checkout's own: derived from its path, kept below the kernel's ephemeral
# range (where outbound connections of the load tests take local ports, so a listener's bind
# can fail there), moved up while taken by anything else or while the server cannot bind,
# and remembered in the state directory, so two checkouts never share a server.
# STACKAUDIT_PG_PORT / STACKAUDIT_REDIS_PORT force them.
set -euo pipefail

ACTION=${1:-start}
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
KEY=$(printf '%s' "$CHECKOUT" | cksum | cut -d' ' -f1)
STATE=${STACKAUDIT_SERVICES_DIR:-/tmp/stackaudit-services-$KEY}
PGDATA="$STATE/pg"

log() { echo "services: $*" >&2; }

# Derived base ports: PostgreSQL in [20000, 26000), Redis in [26000, 32000), both under the
# usual ephemeral range (32768-60999); `bash scripts/services.sh ports` prints them.
PG_BASE=$((20000 + KEY % 6000))
REDIS_BASE=$((26000 + KEY % 6000))

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {  # the first port from $1 up that nothing listens on
  local port=$1
  while port_taken "$port"; do port=$((port + 1)); done
  echo "$port"
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() { su postgres -s /bin/sh -c "$1"; }

pg_running() { [ -f "$PGDATA/PG_VERSION" ] && as_postgres "$(pg_bin)/pg_ctl -D $PGDATA status" >/dev/null 2>&1; }

redis_running() { [ -f "$STATE/redis.pid" ] && kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; }

choose_ports() {
  if [ -f "$STATE/ports" ]; then
    # shellcheck disable=SC1091
    . "$STATE/ports"
  fi
  PG_PORT=${STACKAUDIT_PG_PORT:-${PG_PORT:-}}
  REDIS_PORT=${STACKAUDIT_REDIS_PORT:-${REDIS_PORT:-}}
  if [ -z "$PG_PORT" ] || { ! pg_running && port_taken "$PG_PORT"; }; then
    PG_PORT=$(free_port "$PG_BASE")
  fi
  if [ -z "$REDIS_PORT" ] || { ! redis_running && port_taken "$REDIS_PORT"; }; then
    REDIS_PORT=$(free_port "$REDIS_BASE")
    [ "$REDIS_PORT" != "$PG_PORT" ] || REDIS_PORT=$(free_port $((REDIS_PORT + 1)))
  fi
  save_ports
}

save_ports() { printf 'PG_PORT=%s\nREDIS_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" >"$STATE/ports"; }

install_missing() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  [ -n "$(pg_bin)" ] || need+=(postgresql)
  command -v chromium >/dev/null || need+=(chromium)
  command -v git >/dev/null || need+=(git)
  command -v openssl >/dev/null || need+=(openssl)  # the DAST tests' self-signed certificate
  if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

start_pg() {
  local bin
  bin=$(pg_bin)
  if ! pg_running; then
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      rm -rf "$PGDATA"
      as_postgres "$bin/initdb -D $PGDATA -A trust -U postgres --no-sync" >/dev/null
    fi
    local attempt
    for attempt in 1 2 3 4 5; do
      rm -f "$STATE/pg.log"  # pg_ctl writes it as postgres
      if as_postgres "$bin/pg_ctl -D $PGDATA -l $STATE/pg.log -w -o '-h 127.0.0.1 -p $PG_PORT -k $STATE -c fsync=off -c full_page_writes=off' start" >/dev/null 2>&1; then
        break
      fi
      if [ "$attempt" -lt 5 ] && grep -q 'could not bind\|could not create any TCP/IP sockets' "$STATE/pg.log"; then
        log "PostgreSQL could not bind 127.0.0.1:$PG_PORT; trying the next free port"
        PG_PORT=$(free_port $((PG_PORT + 1)))
        save_ports
        continue
      fi
      log "PostgreSQL did not start; the end of $STATE/pg.log:"
      tail -n 20 "$STATE/pg.log" >&2 || true
      exit 1
    done
  fi
  for _ in $(seq 1 30); do
    "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && break
    sleep 0.5
  done
  local psql=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres)
  "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname='stackaudit'" | grep -q 1 \
    || "${psql[@]}" -qc "CREATE ROLE stackaudit LOGIN PASSWORD 'stackaudit' CREATEDB" >/dev/null
  "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='stackaudit_test'" | grep -q 1 \
    || "${psql[@]}" -qc "CREATE DATABASE stackaudit_test OWNER stackaudit" >/dev/null
}

redis_answers() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if ! redis_running; then
      rm -f "$STATE/redis.pid"
      redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --dir "$STATE" --logfile "$STATE/redis.log" --pidfile "$STATE/redis.pid" >/dev/null
    fi
    for _ in $(seq 1 30); do redis_answers && return 0; redis_running || sleep 0.2; sleep 0.1; done
    if [ "$attempt" -lt 5 ] && ! redis_running; then  # it exited: most likely it could not bind
      log "Redis did not start on 127.0.0.1:$REDIS_PORT; trying the next free port"
      REDIS_PORT=$(free_port $((REDIS_PORT + 1)))
      [ "$REDIS_PORT" != "$PG_PORT" ] || REDIS_PORT=$(free_port $((REDIS_PORT + 1)))
      save_ports
      continue
    fi
    break
  done
  log "Redis did not answer; the end of $STATE/redis.log:"
  tail -n 20 "$STATE/redis.log" >&2 || true
  exit 1
}

stop() {
  if pg_running; then
    as_postgres "$(pg_bin)/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null && log "PostgreSQL stopped ($PGDATA)"
  fi
  if redis_running; then
    kill "$(cat "$STATE/redis.pid")" && log "Redis stopped ($STATE)"
    for _ in $(seq 1 30); do redis_running || break; sleep 0.2; done
  fi
}

case "$ACTION" in
  start)
    install_missing
    mkdir -p "$STATE"
    chmod 777 "$STATE"
    choose_ports
    start_pg
    start_redis
    log "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT, state in $STATE (stop: bash scripts/services.sh stop)"
    echo "export STACKAUDIT_TEST_PG_URL=postgresql+psycopg://stackaudit:stackaudit@127.0.0.1:$PG_PORT/stackaudit_test"
    echo "export STACKAUDIT_TEST_PG_ADMIN_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "export STACKAUDIT_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    echo "export STACKAUDIT_TEST_CHROMIUM=$(command -v chromium || true)"
    ;;
  stop)
    if [ -d "$STATE" ]; then stop; fi
    ;;
  ports)
    echo "$PG_BASE $REDIS_BASE"
    ;;
  status)
    if [ -f "$STATE/ports" ]; then cat "$STATE/ports" >&2; fi
    if pg_running; then log "PostgreSQL running ($PGDATA)"; else log "PostgreSQL not running"; fi
    if redis_running; then log "Redis running (pid $(cat "$STATE/redis.pid"))"; else log "Redis not running"; fi
    ;;
  *)
    log "unknown action '$ACTION' (start, stop, status or ports)"
    exit 2
    ;;
esac
