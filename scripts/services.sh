#!/usr/bin/env bash
# Install (when missing) and start the real servers the tests use, on loopback only:
# PostgreSQL on 127.0.0.1:54329 and Redis on 127.0.0.1:63799, in throw-away data dirs.
# Prints the environment the tests read; eval its output:  eval "$(scripts/services.sh)"
set -euo pipefail

PG_PORT=${STACKAUDIT_PG_PORT:-54329}
REDIS_PORT=${STACKAUDIT_REDIS_PORT:-63799}
STATE=${STACKAUDIT_SERVICES_DIR:-/tmp/stackaudit-services}

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
mkdir -p "$STATE"
chmod 777 "$STATE"
PGDATA="$STATE/pg"
if ! su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    su postgres -s /bin/sh -c "$PGBIN/initdb -D $PGDATA -A trust -U postgres --no-sync" >/dev/null
  fi
  su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDATA -l $STATE/pg.log -w -o '-h 127.0.0.1 -p $PG_PORT -k $STATE -c fsync=off -c full_page_writes=off' start" >/dev/null
fi
for i in $(seq 1 30); do
  "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && break
  sleep 0.5
done
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='stackaudit'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE ROLE stackaudit LOGIN PASSWORD 'stackaudit' CREATEDB" >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='stackaudit_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE stackaudit_test OWNER stackaudit" >/dev/null

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --dir "$STATE" --logfile "$STATE/redis.log" >/dev/null
  for i in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

echo "export STACKAUDIT_TEST_PG_URL=postgresql+psycopg://stackaudit:stackaudit@127.0.0.1:$PG_PORT/stackaudit_test"
echo "export STACKAUDIT_TEST_PG_ADMIN_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
echo "export STACKAUDIT_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
echo "export STACKAUDIT_TEST_CHROMIUM=$(command -v chromium || true)"
