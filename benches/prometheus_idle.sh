#!/usr/bin/env bash
# What a [[prometheus]] with two named queries adds to an idle console's
# CPU: the same console, side by side, with and without it (an HTTP check
# and the host in both), each ROUNDS times DURATION seconds after WARMUP.
#
#   tests/run.sh bash benches/prometheus_idle.sh
#   BIN=/path/to/opsdeck DURATION=60 ROUNDS=2 tests/run.sh bash benches/prometheus_idle.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${OPSDECK_TEST_PROMETHEUS_URL:?run through tests/run.sh}"
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-8}
ROUNDS=${ROUNDS:-2}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/opsdeck
fi
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
HZ=$(getconf CLK_TCK)
cat > "$WORK/without.toml" <<TOML
[[http]]
name = "prom-health"
url = "$OPSDECK_TEST_PROMETHEUS_URL/-/healthy"
TOML
{ cat "$WORK/without.toml"; cat <<TOML
[[prometheus]]
name = "prom"
url = "$OPSDECK_TEST_PROMETHEUS_URL"
[[prometheus.query]]
name = "targets up"
expr = "sum(up)"
warn = 1
below = true
[[prometheus.query]]
name = "head series"
expr = "prometheus_tsdb_head_series"
TOML
} > "$WORK/with.toml"
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
measure() {
    local config=$1 pid t0 t1
    tmux -S "$SOCK" -f /dev/null new-session -d -s bench -x 160 -y 50 \
        "env TERM=tmux-256color $BIN --config $config --state $WORK/state-$RANDOM.db"
    sleep 2
    # The kernel keeps the first 15 characters of a program's name.
    pid=$(pgrep -n -x "$(basename "$BIN" | cut -c1-15)") || { echo "opsdeck did not start" >&2; exit 1; }
    sleep "$WARMUP"
    t0=$(ticks_of "$pid"); sleep "$DURATION"; t1=$(ticks_of "$pid")
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    sleep 1
    echo "$((t1 - t0))"
}
for round in $(seq 1 "$ROUNDS"); do
    for which in without with; do
        ticks=$(measure "$WORK/$which.toml")
        awk -v t="$ticks" -v hz="$HZ" -v d="$DURATION" -v w="$which" -v r="$round" \
            'BEGIN { printf "round %d %-8s %3d ticks = %.3f %% of a core\n", r, w, t, 100 * t / hz / d }'
    done
done
