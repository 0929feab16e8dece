#!/usr/bin/env bash
# Starts a private PostgreSQL 15 cluster on 127.0.0.1 for tests and prints its URL on stdout.
#   usage: scripts/postgres.sh start [DIR] [PORT]   |   scripts/postgres.sh stop [DIR]
# Installs Debian's postgresql package when its binaries are missing (CI machines start bare).
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/scanshield-pg}
port=${3:-54329}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "$cmd" = stop ]; then
  [ -n "$bin" ] && [ -d "$dir/data" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  exit 0
fi

if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing postgresql (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# PostgreSQL refuses to run as root; the cluster belongs to the postgres user.
runas() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if runas "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
runas "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
runas "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null
echo "postgresql://postgres@127.0.0.1:$port/postgres"
