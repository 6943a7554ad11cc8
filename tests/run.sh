#!/usr/bin/env bash
# opsdeck's test command. On a fresh Debian machine it installs what is
# missing, then, inside network, mount and IPC namespaces of the run's own
# (loopback only; its mounts and shared memory invisible to the host), starts
# a private dockerd, PostgreSQL cluster, Alertmanager and sshd, exports their
# addresses, runs the tests, and tears everything down on exit, even on
# failure. Last it checks that the host is as the run found it
# (tests/host_state.sh) and fails naming whatever is not.
#
#   tests/run.sh                 the whole suite (cargo test)
#   tests/run.sh CMD ARGS...     any command inside the same environment,
#                                e.g. tests/run.sh cargo test --test tui
#                                     tests/run.sh bash
#
# The script runs twice: on the host (packages, namespaces, the host check)
# and, started again by unshare with OPSDECK_RUN_WORK set, inside the run's
# namespaces (services, the command, their teardown).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

log() { printf '[run.sh] %s\n' "$*" >&2; }
die() { printf '\n[run.sh] FAILED: %s\n\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
# shellcheck source=tests/host_state.sh
source "$ROOT/tests/host_state.sh"

if [ -z "${OPSDECK_RUN_WORK:-}" ]; then
# ================================================================ on the host
[ "$(id -u)" = 0 ] || die "tests/run.sh runs as root: it makes namespaces, mounts and loop devices of the run's own"

# ---------------------------------------------------------------- packages
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || command -v busybox >/dev/null || need+=(busybox-static)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v prometheus >/dev/null || need+=(prometheus)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v tmux >/dev/null || need+=(tmux)
command -v runuser >/dev/null || need+=(util-linux)
command -v unshare >/dev/null || need+=(util-linux)
command -v ip >/dev/null || need+=(iproute2)
command -v ss >/dev/null || need+=(iproute2)
# The state store on a full and a read-only disk: tmpfs and ext4 images.
command -v mount >/dev/null || need+=(mount)
command -v losetup >/dev/null || need+=(mount)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
# Docker over SSH: a private sshd of the run's, and the client with its agent.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ssh-agent >/dev/null || need+=(openssh-client)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    log "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages only: no service of theirs (sshd, PostgreSQL) is started on
    # the host; the run starts its own, private ones.
    no_start=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && no_start=1
    fi
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || { [ -n "$no_start" ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install ${need[*]} failed"; }
    [ -n "$no_start" ] && rm -f /usr/sbin/policy-rc.d
fi
[ -x /usr/sbin/sshd ] || die "sshd not found after installing openssh-server"
command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"
command -v prometheus-alertmanager >/dev/null || die "prometheus-alertmanager not found"
command -v prometheus >/dev/null || die "prometheus not found after installing prometheus"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found after installing e2fsprogs"
command -v redis-server >/dev/null || die "redis-server not found after installing redis-server"
[ -e /dev/loop-control ] || die "no /dev/loop-control: the state-store disk tests need loop devices (run as root on a machine that has them)"
# Inside, the run has loopback only: the crates are fetched first.
if command -v cargo >/dev/null; then
    cargo fetch --locked >/dev/null 2>&1 || die "cargo fetch --locked failed (the run itself has no network: crates are fetched before it)"
fi

# ---------------------------------------------------------------- namespaces
WORK=$(mktemp -d /tmp/opsdeck-test.XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/host"
MADE_DOCKER0=
host_cleanup() {
    local rc=$?
    set +e
    # What a run killed hard may have left; the check has named it already.
    detach_loops_under "$WORK"
    remove_cgroup "$(cgroup_name "$WORK")"
    [ -n "$MADE_DOCKER0" ] && ip link del docker0 2>/dev/null
    rm -rf "$WORK"
    exit $rc
}
trap host_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A dockerd started with --bridge none deletes the interface docker0 of its
# network namespace. When the host has no docker0 one is made for the run,
# so that every run shows its dockerds leave the host's alone.
if ! ip link show docker0 >/dev/null 2>&1; then
    ip link add docker0 type bridge || die "cannot create the bridge docker0 the host check needs"
    MADE_DOCKER0=1
fi
touch "$WORK/host/started"
host_state "$ROOT" > "$WORK/host/before"

# The run's own network (loopback only), mount and System V IPC namespaces.
# Foreground, so an interactive command keeps the terminal; a signal to this
# shell waits for the run's own teardown, then the check still runs.
trap 'log "interrupted: the run tears down"' INT TERM
set +e
OPSDECK_RUN_WORK=$WORK OPSDECK_RUN_HOST_NETNS=$(readlink /proc/self/ns/net) unshare --net --mount --ipc --propagation private -- bash "$ROOT/tests/run.sh" "$@"
rc=$?
set -e
trap 'exit 130' INT
trap 'exit 143' TERM

t=$(now)
problems=()
while IFS= read -r p; do problems+=("$p"); done < "$WORK/host/left-running"
while IFS= read -r p; do problems+=("$p"); done < <(end_processes_left_on_host "$WORK")
ip link show docker0 >/dev/null 2>&1 \
    || problems+=("the host's interface docker0 is gone: a dockerd of the run deleted it (it ran in the host's network namespace)")
host_state "$ROOT" > "$WORK/host/after"
while IFS= read -r p; do problems+=("$p"); done < <(compare_host_states "$WORK/host/before" "$WORK/host/after" "$WORK")
while IFS= read -r f; do problems+=("changed in /etc: $f"); done < <(find /etc -xdev -newer "$WORK/host/started" 2>/dev/null)
if [ ${#problems[@]} -gt 0 ]; then
    printf '\n[run.sh] the run left the host changed:\n' >&2
    printf '  %s\n' "${problems[@]}" >&2
    die "the host is not as the run found it (see above)"
fi
log "host as the run found it: interfaces, mounts, loop devices, listening sockets, cgroups, /etc, working tree ($(since "$t"))"
exit $rc
fi

# ================================================================ inside the run's namespaces
WORK=$OPSDECK_RUN_WORK
DOCKER_SOCK="$WORK/docker.sock"
CGROUP=$(cgroup_name "$WORK")
readlink /proc/self/ns/net > "$WORK/host/netns"
: > "$WORK/host/left-running"
ip link set lo up || die "cannot bring up loopback in the run's network namespace"
# dockerd and containerd keep state and sockets under /run (/run/docker,
# /run/containerd/s) whatever their roots, and PostgreSQL its shared memory
# under /dev/shm: private file systems here, gone with the run.
mount -t tmpfs -o mode=755 tmpfs /run || die "cannot mount the run's own /run"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || die "cannot mount the run's own /dev/shm"
# /etc copy-on-write, its writes kept in a tmpfs of the run's: dockerd writes
# /etc/docker/key.json when there is none, whatever its roots. Mounts under
# /etc (a container's /etc/hosts, /etc/resolv.conf) are carried over.
private_etc() {
    local d=$WORK/etc m
    mkdir "$d" && mount -t tmpfs -o mode=755 tmpfs "$d" && mkdir "$d/upper" "$d/work" "$d/merged" || return 1
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/upper,workdir=$d/work" "$d/merged" || return 1
    awk '$5 ~ "^/etc/" { print $5 }' /proc/self/mountinfo | while read -r m; do
        mount --bind "$m" "$d/merged/${m#/etc/}" || exit 1
    done || return 1
    mount --move "$d/merged" /etc
}
private_etc || die "cannot give the run its own copy-on-write /etc"
# Temporary files, HOME and XDG directories of the run's own: nothing a test
# or the binary writes lands in the developer's files or the host's /tmp.
mkdir -p "$WORK/tmp" "$WORK/home"
chmod 1777 "$WORK/tmp"
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export HOME="$WORK/home" TMPDIR="$WORK/tmp"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR

BUSYBOX=$(command -v busybox || echo /bin/busybox)
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
[ -x "$PGBIN/initdb" ] || die "PostgreSQL initdb not found under /usr/lib/postgresql"

# ---------------------------------------------------------------- teardown
# SIGTERM to the process a pid file names, if it is still one of the run's
# (its command line names the work directory), then SIGKILL after 10 s.
stop_pid_file() { # pidfile, workdir
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$2" || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
}
cleanup() {
    local rc=$?
    set +e
    if [ -S "$DOCKER_SOCK" ]; then
        ids=$(docker -H "unix://$DOCKER_SOCK" ps -aq 2>/dev/null)
        [ -n "$ids" ] && docker -H "unix://$DOCKER_SOCK" rm -f $ids >/dev/null 2>&1
    fi
    stop_pid_file "$WORK/docker.pid" "$WORK"
    # dockerd's own containerd, should it outlive dockerd: by its pid file.
    stop_pid_file "$WORK/docker-exec/containerd/containerd.pid" "$WORK"
    if [ -f "$WORK/pg/postmaster.pid" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1
    fi
    [ -n "${AM_PID:-}" ] && kill "$AM_PID" 2>/dev/null && wait "$AM_PID" 2>/dev/null
    [ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
    stop_pid_file "$WORK/ssh/sshd.pid" "$WORK"
    [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    [ -f "$WORK/ssh/agent.pid" ] && kill "$(cat "$WORK/ssh/agent.pid")" 2>/dev/null
    # dockerd and the tests may leave mounts (overlay, shm, tmpfs) under the
    # work directory; then the loop devices of the tests' disk images.
    grep -o " $WORK[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    end_processes_left_in_netns "${OPSDECK_RUN_HOST_NETNS:-}" >> "$WORK/host/left-running"
    detach_loops_under "$WORK"
    remove_cgroup "$CGROUP"
    # All but the host check's own files.
    find "$WORK" -mindepth 1 -maxdepth 1 ! -name host -exec rm -rf {} +
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tail_log() { echo "--- last lines of $1:" >&2; tail -n 25 "$1" >&2 || true; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_until() { # seconds, description, command...
    local limit=$1 what=$2; shift 2
    local end=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

# ---------------------------------------------------------------- dockerd
t=$(now)
log "starting dockerd (private: $DOCKER_SOCK)"
# Not /etc/docker/daemon.json: the machine's own settings do not apply.
echo '{}' > "$WORK/daemon.json"
dockerd \
    --data-root "$WORK/docker-data" --exec-root "$WORK/docker-exec" \
    --pidfile "$WORK/docker.pid" -H "unix://$DOCKER_SOCK" \
    --bridge none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --config-file "$WORK/daemon.json" \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$CGROUP" \
    > "$WORK/dockerd.log" 2>&1 &
if ! wait_until 60 dockerd docker -H "unix://$DOCKER_SOCK" version; then
    tail_log "$WORK/dockerd.log"
    die "dockerd did not start (see its log above)"
fi
log "dockerd ok ($(since "$t"))"

t=$(now)
mkdir -p "$WORK/image/bin"
cp "$BUSYBOX" "$WORK/image/bin/busybox"
for applet in sh sleep echo cat true false ls kill wget httpd nc; do ln -s busybox "$WORK/image/bin/$applet"; done
tar -C "$WORK/image" -cf "$WORK/image.tar" .
docker -H "unix://$DOCKER_SOCK" import -c 'CMD ["sh"]' "$WORK/image.tar" opsdeck-test:latest >/dev/null \
    || die "docker import of the busybox test image failed"
docker -H "unix://$DOCKER_SOCK" run --rm --network none opsdeck-test:latest true \
    || { tail_log "$WORK/dockerd.log"; die "dockerd cannot run a container"; }
log "test image opsdeck-test:latest ok ($(since "$t"))"

# ---------------------------------------------------------------- PostgreSQL
t=$(now)
PG_PORT=$(free_port)
PG_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
mkdir -p "$WORK/pg" "$WORK/pg-run"
chown postgres:postgres "$WORK/pg" "$WORK/pg-run"
printf '%s\n' "$PG_PASSWORD" > "$WORK/pg-pw"
chown postgres "$WORK/pg-pw"
log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    > "$WORK/pg-run/initdb.log" 2>&1 || { tail_log "$WORK/pg-run/initdb.log"; die "PostgreSQL initdb failed"; }
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg-run/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$WORK/pg-run -c fsync=off" start \
    >/dev/null 2>&1 || { tail_log "$WORK/pg-run/postgres.log"; die "PostgreSQL did not start"; }
runuser -u postgres -- psql -q -h "$WORK/pg-run" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE opsdeck LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'" \
    -c "CREATE DATABASE opsdeck_test OWNER opsdeck" >/dev/null \
    || die "PostgreSQL: creating role and database failed"
PGPASSWORD=$PG_PASSWORD wait_until 20 postgres psql -h 127.0.0.1 -p "$PG_PORT" -U opsdeck -d opsdeck_test -c 'select 1' \
    || { tail_log "$WORK/pg-run/postgres.log"; die "PostgreSQL does not accept password logins on 127.0.0.1:$PG_PORT"; }
log "PostgreSQL ok ($(since "$t"))"

# ---------------------------------------------------------------- Alertmanager
t=$(now)
AM_PORT=$(free_port)
cat > "$WORK/alertmanager.yml" <<YML
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
YML
log "starting Alertmanager on 127.0.0.1:$AM_PORT"
prometheus-alertmanager --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/am-data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
    > "$WORK/alertmanager.log" 2>&1 &
AM_PID=$!
am_ready() { python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$AM_PORT/-/ready', timeout=2).status == 200 else 1)"; }
wait_until 30 alertmanager am_ready || { tail_log "$WORK/alertmanager.log"; die "Alertmanager did not start"; }
log "Alertmanager ok ($(since "$t"))"

# ---------------------------------------------------------------- Redis
# Not Debian's service: a server of the run's own, no persistence, a password.
t=$(now)
REDIS_PORT=$(free_port)
REDIS_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
mkdir -p "$WORK/redis"
printf '%s\n' "$REDIS_PASSWORD" > "$WORK/redis-pw"
chmod 600 "$WORK/redis-pw"
log "starting redis-server on 127.0.0.1:$REDIS_PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK/redis" \
    --requirepass "$REDIS_PASSWORD" --daemonize no --logfile "$WORK/redis/redis.log" >/dev/null 2>&1 &
REDIS_PID=$!
REDISCLI_AUTH=$REDIS_PASSWORD wait_until 20 redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping \
    || { tail_log "$WORK/redis/redis.log"; die "redis-server did not start on 127.0.0.1:$REDIS_PORT"; }
log "Redis ok ($(since "$t"))"
# ---------------------------------------------------------------- Prometheus
# Scraping itself (job "prometheus") and a job "down" whose target is a port
# nothing listens on; one recording rule that evaluates and one that fails
# at every evaluation (two series end up with the same labels).
t=$(now)
PROM_PORT=$(free_port)
PROM_DOWN_PORT=$(free_port)
cat > "$WORK/prometheus-rules.yml" <<YML
groups:
  - name: opsdeck-test
    rules:
      - record: opsdeck:up:sum
        expr: sum(up)
      - record: opsdeck:duplicate
        expr: label_replace(label_replace(up, "job", "same", "", ""), "instance", "same", "", "")
YML
cat > "$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $WORK/prometheus-rules.yml
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:$PROM_PORT"]
  - job_name: down
    static_configs:
      - targets: ["127.0.0.1:$PROM_DOWN_PORT"]
YML
log "starting Prometheus on 127.0.0.1:$PROM_PORT"
# Not Debian's service: a server of the run's own, its data under $WORK.
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" \
    > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
prom_ready() { python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$PROM_PORT/-/ready', timeout=2).status == 200 else 1)"; }
wait_until 30 prometheus prom_ready || { tail_log "$WORK/prometheus.log"; die "Prometheus did not start"; }
log "Prometheus ok ($(since "$t"))"

# ---------------------------------------------------------------- sshd
# Docker over SSH: an sshd on loopback whose sessions see the private
# dockerd, a key in an ssh-agent, the host key in the known hosts. ssh as
# the operator runs it: BatchMode, host keys checked.
t=$(now)
SSH_PORT=$(free_port)
mkdir -m 700 "$WORK/ssh"
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host_key" -C opsdeck-test-host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/client_key" -C opsdeck-test-client
cp "$WORK/ssh/client_key.pub" "$WORK/ssh/authorized_keys"
cat > "$WORK/ssh/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $WORK/ssh/host_key
PidFile $WORK/ssh/sshd.pid
AuthorizedKeysFile $WORK/ssh/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
SetEnv DOCKER_HOST=unix://$DOCKER_SOCK
CONF
log "starting sshd on 127.0.0.1:$SSH_PORT"
/usr/sbin/sshd -f "$WORK/ssh/sshd_config" -E "$WORK/ssh/sshd.log" \
    || { tail_log "$WORK/ssh/sshd.log"; die "sshd did not start"; }
# ssh reads ~/.ssh from the passwd entry, not $HOME: the host key goes in
# the system-wide known hosts of the run's own copy of /etc.
mkdir -p /etc/ssh
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$WORK/ssh/host_key.pub")" > /etc/ssh/ssh_known_hosts
eval "$(ssh-agent -a "$WORK/ssh/agent.sock" -s)" >/dev/null || die "ssh-agent did not start"
echo "$SSH_AGENT_PID" > "$WORK/ssh/agent.pid"
ssh-add -q "$WORK/ssh/client_key" 2>/dev/null || die "ssh-add of the test key failed"
wait_until 20 sshd ssh -o BatchMode=yes -p "$SSH_PORT" root@127.0.0.1 docker version \
    || { tail_log "$WORK/ssh/sshd.log"; die "ssh to 127.0.0.1:$SSH_PORT does not reach the private dockerd"; }
log "sshd ok ($(since "$t"))"

# ---------------------------------------------------------------- run
export OPSDECK_TEST_SERVICES=1
export OPSDECK_TEST_SSH_URL="ssh://root@127.0.0.1:$SSH_PORT"
export OPSDECK_TEST_SSH_PORT="$SSH_PORT"
export OPSDECK_TEST_DOCKER_HOST="unix://$DOCKER_SOCK"
export OPSDECK_TEST_PG_URL="postgres://opsdeck@127.0.0.1:$PG_PORT/opsdeck_test"
export OPSDECK_TEST_PG_PASSWORD="$PG_PASSWORD"
export OPSDECK_TEST_ALERTMANAGER_URL="http://127.0.0.1:$AM_PORT"
export OPSDECK_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export OPSDECK_TEST_REDIS_PASSWORD="$REDIS_PASSWORD"
export OPSDECK_TEST_PROMETHEUS_URL="http://127.0.0.1:$PROM_PORT"
export OPSDECK_TEST_IMAGE="opsdeck-test:latest"
# The image as a tar, for tests that start a dockerd of their own (docker import).
export OPSDECK_TEST_IMAGE_TAR="$WORK/image.tar"
# The cgroup the containers of the tests' own dockerds go under (removed at teardown).
export OPSDECK_TEST_CGROUP_PARENT="/$CGROUP"
# The run's network namespace: tests that start a dockerd check they are in it.
OPSDECK_TEST_NETNS=$(cat "$WORK/host/netns")
export OPSDECK_TEST_NETNS
# Tests must not read or write the developer's own opsdeck files.
unset OPSDECK_CONFIG DOCKER_HOST

if [ $# -gt 0 ]; then
    log "running: $*"
    set +e
    "$@"
    rc=$?
    set -e
    exit $rc
fi

# --no-fail-fast: one failing test binary does not hide how the others fare,
# and the total below counts the whole suite.
log "running: cargo test --locked --no-fail-fast"
set +e
cargo test --locked --no-fail-fast 2>&1 | tee "$WORK/cargo-test.log"
rc=${PIPESTATUS[0]}
set -e
# One closing line for the whole suite, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$WORK/cargo-test.log"
exit $rc
