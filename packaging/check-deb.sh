#!/usr/bin/env bash
# CI: build the Debian package, install it with dpkg, run the installed
# binary, remove it. Needs root (dpkg) and cargo-deb. Built from the debug
# binary the test run already built (`--profile dev`): a release build with
# its whole-program optimisation would add minutes, and what is checked
# here is the package (files, paths, the binary starting), not the code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { echo "check-deb: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (dpkg -i)"
for tool in dpkg dpkg-deb cargo-deb; do
    command -v "$tool" >/dev/null || fail "$tool is missing"
done
# Never replace or remove an opsdeck someone installed on this machine.
if [[ $(dpkg-query -W -f='${db:Status-Status}' opsdeck 2>/dev/null) == installed ]]; then
    fail "an opsdeck package is already installed here; not touching it"
fi

# Options (--no-build) go on to build-deb.sh.
deb=$(bash packaging/build-deb.sh --profile dev "$@" | tail -n 1)
[[ -f $deb ]] || fail "no package built (got: $deb)"

tmp=$(mktemp -d)
cleanup() {
    dpkg -r opsdeck >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
dpkg -i "$deb"

for f in /usr/bin/opsdeck /usr/share/man/man1/opsdeck.1.gz /usr/share/man/man1/opsdeck-snapshot.1.gz \
    /usr/share/bash-completion/completions/opsdeck /usr/share/zsh/vendor-completions/_opsdeck \
    /usr/share/fish/vendor_completions.d/opsdeck.fish /usr/share/opsdeck/themes/default.toml \
    /usr/share/opsdeck/keymaps/vim.toml /usr/share/opsdeck/runbooks/service-down.toml \
    /usr/share/doc/opsdeck/examples/config.toml /usr/share/doc/opsdeck/examples/opsdeck-record.service \
    /usr/share/doc/opsdeck/copyright; do
    [[ -f $f ]] || fail "the package did not install $f"
done
bash -n /usr/share/bash-completion/completions/opsdeck || fail "the bash completion does not parse"

version=$(/usr/bin/opsdeck --version)
[[ $version =~ ^opsdeck\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]+|unknown),\ built\ [0-9]{4}-[0-9]{2}-[0-9]{2}\)$ ]] ||
    fail "unexpected --version: $version"
echo "check-deb: $version"

# The installed example config must load as shipped.
HOME=$tmp /usr/bin/opsdeck --config /usr/share/doc/opsdeck/examples/config.toml info >/dev/null ||
    fail "the installed example config does not load"

# A snapshot with every backend unreachable: a socket that is not there,
# a port nothing listens on. It prints each as DOWN, raises opsdeck's own
# alerts, creates no state store and exits 0 (README: Run it).
cat >"$tmp/config.toml" <<TOML
[state]
path = "$tmp/state.db"
[log]
path = "$tmp/log/opsdeck.log"
[[docker]]
name = "gone"
url = "unix://$tmp/no-docker.sock"
[[postgres]]
name = "gone"
url = "postgres://monitor@127.0.0.1:9/app"
[[alertmanager]]
name = "gone"
url = "http://127.0.0.1:9"
TOML
status=0
screen=$(env -u OPSDECK_CONFIG -u DOCKER_HOST HOME="$tmp" /usr/bin/opsdeck --config "$tmp/config.toml" snapshot --width 100 --height 26) || status=$?
[[ $status == 0 ]] || fail "snapshot exited $status with no backend reachable (expected 0)"
for want in "docker:gone" "pg:gone" "am:gone" "DOWN" "DockerHostDown" "PostgresDown" "AlertmanagerDown"; do
    grep -qF "$want" <<<"$screen" || fail "snapshot does not show \"$want\":"$'\n'"$screen"
done
[[ ! -e $tmp/state.db ]] || fail "snapshot created a state store"

dpkg -r opsdeck
[[ ! -e /usr/bin/opsdeck ]] || fail "dpkg -r left /usr/bin/opsdeck"
echo "check-deb: $(basename "$deb") built, installed, run and removed"
