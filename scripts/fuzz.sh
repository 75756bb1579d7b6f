#!/usr/bin/env bash
# API fuzzing (docs/api.md §8): Schemathesis, pinned, against this checkout's own
# /api/openapi.json, served by a release build on a fresh SQLite database
# with the demo directory, as an admin whose credentials the run cannot
# revoke. .ci/run calls it; by hand:
#
#   scripts/fuzz.sh [SECONDS] [DB]  the time budget of the run (default 90);
#                                   DB: a postgres:// URL to serve instead of a
#                                   fresh SQLite file (its calllog schema is made
#                                   on first use, so give it an empty database)
#
# Every check and every phase (examples, coverage, fuzzing, stateful) runs,
# with the rules of ./schemathesis.toml. Only the operations that can revoke
# or deactivate the run's own credentials are left out (after them every
# answer would be 401): DELETE /api/auth/token and
# DELETE /api/users/{userId}/tokens/{tokenId} (the run's token), and
# PUT /api/users/{userId} (the run's admin: Active, Role).
#
# Fails (exit 1) on any Schemathesis failure, on any 5xx answer or panic in
# the server's log, and when 401 answers are more than 10 % of the requests
# (counted from the server's access log): a run that lost its credentials
# proves nothing. Schemathesis lives in a virtual environment of its own
# (target/schemathesis-venv, made and filled from PyPI when missing); the
# server listens on a free loopback port and is stopped by its PID however
# the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-90}
database=${2:-}
version=4.32.5
venv=target/schemathesis-venv
excluded=(
    "DELETE /api/auth/token"
    "DELETE /api/users/{userId}/tokens/{tokenId}"
    "PUT /api/users/{userId}"
)

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    echo "== installing schemathesis $version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

echo "== cargo build --release"
cargo build --release
bin=target/release/calllog

work=$(mktemp -d)
server=""
stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_server EXIT

db=${database:-"$work/fuzz.db"}
echo "fuzz-admin-password-1" |
    "$bin" --db "$db" user add admin --role admin --first Ada --last Admin --password-stdin >/dev/null
token=$("$bin" --db "$db" token create admin --label schemathesis)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RUST_LOG=info "$bin" --db "$db" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "$base/healthz" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "fuzz: the server did not start" >&2; exit 1; }
    sleep 0.1
done
# One call log, so the examples' ids name something.
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -X POST "$base/api/calllogs" -d '{"PropertyId":1,"Subject":"seed call","CallFrom":"Seed Caller"}'

exclude_args=()
for operation in "${excluded[@]}"; do exclude_args+=(--exclude-name "$operation"); done
echo "== schemathesis run (all checks, all phases, ${seconds}s)"
status=0
# From the scratch directory: Hypothesis keeps its example database in the working directory.
# One worker: with two, Hypothesis parses lambdas' source (ast.parse) on two
# threads at once, which CPython 3.11 can fail with "SystemError: AST
# constructor recursion depth mismatch" (a crash of the tool, not a finding).
(cd "$work" && timeout $((seconds + 120)) "$root/$venv/bin/schemathesis" --config-file "$root/schemathesis.toml" \
    run "$base/api/openapi.json" -H "Authorization: Bearer $token" --checks all \
    --phases examples,coverage,fuzzing,stateful --max-time "$seconds" "${exclude_args[@]}" \
    --workers 1 --request-timeout 10 --warnings off) || status=$?

# The access log: "<request id> <METHOD> <path> <status> <ms>ms", one line a request.
statuses=$(grep -E ' calllog::access\] ' "$work/server.log" | awk '{print $(NF-1)}' || true)
requests=$(printf '%s\n' "$statuses" | grep -c '^[1-5][0-9][0-9]$' || true)
unauthorized=$(printf '%s\n' "$statuses" | grep -c '^401$' || true)
server_errors=$(printf '%s\n' "$statuses" | grep -c '^5[0-9][0-9]$' || true)
panics=$(grep -c -i 'panicked' "$work/server.log" || true)
echo "== server: $requests requests, $unauthorized answered 401, $server_errors answered 5xx, $panics panics"

failed=0
if [ "$status" -ne 0 ]; then
    echo "fuzz: schemathesis reported failures (exit $status)" >&2
    failed=1
fi
if [ "$server_errors" -gt 0 ] || [ "$panics" -gt 0 ]; then
    echo "fuzz: the server answered 5xx or panicked:" >&2
    grep -E ' 5[0-9][0-9] [0-9.]+ms$|panicked|ERROR' "$work/server.log" | head -20 >&2 || true
    failed=1
fi
if [ "$requests" -eq 0 ]; then
    echo "fuzz: the server logged no request" >&2
    failed=1
elif [ $((unauthorized * 10)) -gt "$requests" ]; then
    echo "fuzz: $unauthorized of $requests answers were 401 (over 10 %): the run lost its credentials" >&2
    failed=1
fi
exit "$failed"
