#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks, on a free
# loopback port, in a directory of its own, as an unprivileged user.
#
#   scripts/pg_cluster.sh start DIR [--durable]   prints the URL of its `postgres` database
#   scripts/pg_cluster.sh stop DIR                stops it by its PID
#
# Debian's binaries live in /usr/lib/postgresql/<version>/bin (the highest
# version is used). As root, the cluster runs as the `postgres` user the
# package creates; the package's own cluster (on 5432) is left alone. The
# test cluster trades durability for speed (fsync off) unless --durable.
set -euo pipefail

action=${1:?usage: pg_cluster.sh start|stop DIR [--durable]}
dir=${2:?usage: pg_cluster.sh start|stop DIR [--durable]}
durable=${3:-}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] && command -v pg_ctl >/dev/null; then bin=$(dirname "$(command -v pg_ctl)"); fi
[ -n "$bin" ] || { echo "pg_cluster.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U calllog --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400"
    if [ "$durable" != "--durable" ]; then
        options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "$options" -w start >/dev/null
    echo "postgres://calllog@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid=$(head -1 "$dir/data/postmaster.pid")
        # SIGINT: PostgreSQL's fast shutdown (ends sessions, then stops).
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    ;;
*)
    echo "usage: pg_cluster.sh start|stop DIR [--durable]" >&2; exit 2 ;;
esac
