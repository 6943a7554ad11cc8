# What tests/run.sh records of the host before a run and compares after its
# teardown, and the helpers that undo what a run made outside its own
# namespaces (loop devices, cgroups, processes). Sourced by tests/run.sh.

# One line per item the run must leave as it found it, sorted. The host's
# network interfaces (by name and index: deleted and made again shows),
# mounts, loop devices, listening TCP/UDP and unix sockets, the top-level
# cgroups, and untracked or ignored files (a new directory by its name) in
# the working tree $1. Insta's
# pending snapshots (*.snap.new, *.pending-snap) are left out: a failing
# snapshot test writes them there for review on purpose; so is cargo's
# target/, which the run's build makes on a fresh clone.
host_state() { # working tree
    host_items "$1" 2>/dev/null | LC_ALL=C sort -u
}
host_items() { # working tree
    ip -o link show | awk '{ i = $1; n = $2; sub(/:$/, "", i); sub(/:$/, "", n); sub(/@.*/, "", n)
                             print "network interface " n " (index " i ")" }'
    awk '{ for (i = 7; $i != "-"; i++) ; print "mount " $5 " (" $(i+1) " from " $(i+2) ", " $6 ")" }' /proc/self/mountinfo
    losetup --list --noheadings --output NAME,BACK-FILE | awk '{ print "loop device " $1 " (" $2 ")" }'
    # With the owning process, for compare_host_states.
    ss -ltunpH | awk '{ u = ""; if (match($0, /users:.*/)) u = substr($0, RSTART)
                        sub(/ +$/, "", u); print "listening " $1 " socket " $5 " " u }'
    ss -lxpH | awk '$5 != "*" { u = ""; if (match($0, /users:.*/)) u = substr($0, RSTART)
                                sub(/ +$/, "", u); print "listening unix socket " $5 " " u }'
    cgroup_roots | while read -r root; do
        find "$root" -mindepth 1 -maxdepth 1 -type d -printf 'cgroup %p\n'
    done
    if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$1" status --porcelain --ignored \
            | awk '/^(\?\?|!!) / && !/\.snap\.new$|\.pending-snap$/ && $2 != "target/" { print "file in the working tree: " substr($0, 4) }'
    fi
}

# "gone:" and "new:" lines for what differs between two host_state files,
# less what is another's on a busy machine (several runs of this command at
# once, other programs): whatever lies in another run's work directory, and
# listening sockets but those a process of this run ($3, its work directory,
# in the process's environment) still holds. This run's own services listen
# only inside its network namespace and are gone by now.
compare_host_states() { # before, after, work directory
    local line pid
    {
        LC_ALL=C comm -23 "$1" "$2" | sed 's/^/gone: /'
        LC_ALL=C comm -13 "$1" "$2" | sed 's/^/new: /'
    } | while IFS= read -r line; do
        case $line in
            *" $3"*) ;;
            *" $(dirname "$3")/opsdeck-test."*) continue ;;
        esac
        case $line in
            *" socket "*)
                pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<< "$line")
                [ -n "$pid" ] && { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "OPSDECK_RUN_WORK=$3" || continue
                ;;
        esac
        echo "$line"
    done
}

# Mount points of the cgroup hierarchies (one for cgroup v2, one a
# controller for v1).
cgroup_roots() {
    awk '{ for (i = 7; $i != "-"; i++) ; if ($(i+1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo
}

# The cgroup every dockerd of the run puts its containers under (cgroupfs
# driver, so no systemd unit either): one name a run, from its work directory.
cgroup_name() { # work directory
    echo "opsdeck-test-${1##*.}"
}

# Remove the run's cgroup, deepest first, in every hierarchy. A cgroup with
# a process still in it stays (and the host check names it).
remove_cgroup() { # name
    cgroup_roots | while read -r root; do
        [ -d "$root/$1" ] && find "$root/$1" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    return 0
}

# Detach the loop devices whose backing file is under $1: the kernel
# records the file, so each is found by its own device name.
detach_loops_under() { # directory
    losetup --list --noheadings --output NAME,BACK-FILE 2>/dev/null \
        | awk -v w="$1/" 'index($2, w) == 1 { print $1 }' \
        | while read -r dev; do losetup -d "$dev" 2>/dev/null; done
    return 0
}

# At the end of the run's teardown, inside its network namespace: every
# other process still in it (dockerd, containerd, shims, servers, tests) is
# one the teardown missed. Each is named on stdout and ended by its pid. Only
# when the namespace is the run's own: never the host's ($1, the host's
# namespace as the host side saw it; also not pid 1's).
end_processes_left_in_netns() { # the host's network namespace
    local mine p pid
    mine=$(readlink /proc/self/ns/net)
    [ -n "$mine" ] && [ "$mine" != "$1" ] && [ "$mine" != "$(readlink /proc/1/ns/net)" ] || return 0
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
        [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$mine" ] || continue
        echo "process $pid left running: $({ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | cut -c1-160)"
        kill -KILL "$pid" 2>/dev/null
    done
    return 0
}

# After the run, on the host: processes in the run's cgroup (containers,
# which have namespaces of their own) or with the run's work directory in
# their environment as run.sh set it (one that left the run's namespaces),
# named on stdout and ended by pid.
end_processes_left_on_host() { # work directory
    local p cgroup
    [ -n "$1" ] || return 0
    cgroup=$(cgroup_name "$1")
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" != "$$" ] && [ "${p#/proc/}" != "$BASHPID" ] || continue
        grep -qs ":/$cgroup\(/\|\$\)" "$p/cgroup" \
            || { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qxF "OPSDECK_RUN_WORK=$1" \
            || continue
        echo "process ${p#/proc/} left running: $({ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | cut -c1-160)"
        kill -KILL "${p#/proc/}" 2>/dev/null
    done
    return 0
}
