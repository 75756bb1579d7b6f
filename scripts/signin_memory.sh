#!/usr/bin/env bash
# Memory under a burst of sign-ins (issue 8, item 1): N parallel sign-ins
# with made-up user names against a fresh server, then the peak RSS
# (VmHWM), the RSS 10 s later, and whether a real sign-in works right after.
#
#     cargo build --release && scripts/signin_memory.sh [path/to/calllog]
#
# Loopback only, bounded: N requests (CALLLOG_BENCH_SIGNINS, default 200,
# at most 1000), each given at most 30 s; the server is stopped at the end.
# Port: CALLLOG_BENCH_PORT (default 18089). Needs curl and xargs. Prints
# figures; asserts nothing.
set -euo pipefail

binary=${1:-target/release/calllog}
count=${CALLLOG_BENCH_SIGNINS:-200}
port=${CALLLOG_BENCH_PORT:-18089}
if (( count < 1 || count > 1000 )); then
    echo "CALLLOG_BENCH_SIGNINS must be 1..1000" >&2
    exit 2
fi
[[ -x $binary ]] || { echo "no binary at $binary (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d)
server=""
cleanup() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

db="$work/bench.db"
url="http://127.0.0.1:$port"
password="bench-password-1"
echo "$password" | "$binary" --db "$db" user add bench --role admin --password-stdin >/dev/null

"$binary" --db "$db" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -fs --max-time 1 "$url/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs --max-time 1 "$url/healthz" >/dev/null || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

rss_mib() { awk -v f="$1" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }

echo "cores: $(nproc); binary: $binary"
echo "RSS at start: $(rss_mib VmRSS) MiB"
started=$(date +%s.%N)
seq "$count" | xargs -P "$count" -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
    -H 'Content-Type: application/json' \
    -d '{"UserName":"nobody-{}","Password":"made-up-password-{}"}' \
    "$url/api/auth/token" >"$work/codes" || true
ended=$(date +%s.%N)
echo "$count parallel unknown-user sign-ins in $(echo "$ended - $started" | bc) s; answers:" \
    "$(sort "$work/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
echo "peak RSS (VmHWM): $(rss_mib VmHWM) MiB; RSS right after: $(rss_mib VmRSS) MiB"
sleep 10
echo "RSS 10 s later: $(rss_mib VmRSS) MiB"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"UserName\":\"bench\",\"Password\":\"$password\"}" "$url/api/auth/token")
echo "a real sign-in right after: HTTP $code"
