#!/usr/bin/env bash
# Idle cost of the running TUI: CPU %, peak RSS and bytes written per second
# while the dashboard sits open against real services in tmux.
#
#   tests/run.sh bash benches/idle_cost.sh          # with the test services
#   DURATION=60 WIDTH=120 HEIGHT=40 CONTAINERS=200 tests/run.sh bash benches/idle_cost.sh
#
# dockerd's CPU is measured twice over the same duration, without and with
# opsdeck attached: the difference is what opsdeck costs the daemon.
#
# Terminal bytes are what `script` records from opsdeck's pty; "all writes"
# is opsdeck's write() total from /proc/PID/io (wchar), which also counts the
# requests it sends to dockerd, PostgreSQL and Alertmanager.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
WIDTH=${WIDTH:-200}
HEIGHT=${HEIGHT:-50}
CONTAINERS=${CONTAINERS:-5}
: "${OPSDECK_TEST_DOCKER_HOST:?run through tests/run.sh}"

cargo build --release --quiet
BIN=$PWD/target/release/opsdeck
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT

export OPSDECK_BENCH_PG_PASSWORD=$OPSDECK_TEST_PG_PASSWORD
cat > "$WORK/config.toml" <<TOML
[[docker]]
name = "bench"
url = "$OPSDECK_TEST_DOCKER_HOST"
[[postgres]]
name = "main"
url = "$OPSDECK_TEST_PG_URL"
password_env = "OPSDECK_BENCH_PG_PASSWORD"
[[alertmanager]]
name = "am"
url = "$OPSDECK_TEST_ALERTMANAGER_URL"
TOML

# Some containers and a firing alert, so the screen has something to show.
for i in $(seq 1 "$CONTAINERS"); do
    docker -H "$OPSDECK_TEST_DOCKER_HOST" run -d --network none --name "idle-$i-$$" "$OPSDECK_TEST_IMAGE" sleep 3600 >/dev/null
done
DOCKERD=$(pgrep -f -o "dockerd .*-H ${OPSDECK_TEST_DOCKER_HOST}") || { echo "test dockerd not found" >&2; exit 1; }
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sleep 2
d0=$(ticks_of "$DOCKERD"); sleep "$DURATION"; d1=$(ticks_of "$DOCKERD")
dockerd_alone=$((d1 - d0))
python3 - "$OPSDECK_TEST_ALERTMANAGER_URL" <<'PY'
import json, sys, urllib.request, datetime
body = json.dumps([{"labels": {"alertname": "IdleBench", "severity": "warning"}, "annotations": {"summary": "bench"},
                    "startsAt": datetime.datetime.now(datetime.timezone.utc).isoformat()}]).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/api/v2/alerts", body, {"Content-Type": "application/json"}))
PY

TYPESCRIPT=$WORK/typescript
tmux -S "$SOCK" -f /dev/null new-session -d -s bench -x "$WIDTH" -y "$HEIGHT" \
    "script -q -f -c 'env TERM=tmux-256color $BIN --config $WORK/config.toml --state $WORK/state.db' $TYPESCRIPT"
sleep 1
PID=$(pgrep -f -n "^$BIN --config $WORK/config.toml") || { echo "opsdeck did not start" >&2; exit 1; }
sleep "$WARMUP"

ticks() { ticks_of "$PID"; }
wchar() { awk '/^wchar/ { print $2 }' "/proc/$PID/io"; }
HZ=$(getconf CLK_TCK)
bytes() { stat -c %s "$TYPESCRIPT"; }
t0=$(ticks); w0=$(wchar); b0=$(bytes); d0=$(ticks_of "$DOCKERD")
sleep "$DURATION"
t1=$(ticks); w1=$(wchar); b1=$(bytes); d1=$(ticks_of "$DOCKERD")
dockerd_with=$((d1 - d0))
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
tmux -S "$SOCK" send-keys -t bench q
seq 1 "$CONTAINERS" | sed "s/.*/idle-&-$$/" | xargs docker -H "$OPSDECK_TEST_DOCKER_HOST" rm -f >/dev/null

awk -v t="$((t1 - t0))" -v hz="$HZ" -v d="$DURATION" -v w="$((w1 - w0))" -v b="$((b1 - b0))" -v rss="$hwm" -v size="${WIDTH}x${HEIGHT}" \
    -v n="$CONTAINERS" -v da="$dockerd_alone" -v dw="$dockerd_with" 'BEGIN {
    printf "opsdeck idle, %s, %d containers, %d s\n", size, n, d
    printf "  dockerd CPU         %.2f %% alone, %.2f %% with opsdeck\n", 100 * da / hz / d, 100 * dw / hz / d
    printf "  CPU                 %.2f %% of one core\n", 100 * t / hz / d
    printf "  peak RSS            %.1f MiB\n", rss / 1024
    printf "  to the terminal     %.1f bytes/s\n", b / d
    printf "  all writes          %.1f bytes/s (terminal + backend requests)\n", w / d
}'
