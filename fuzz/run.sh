#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of every parser of outside
# input, each target for a bounded time. CI's last step; by hand:
#
#   bash fuzz/run.sh                      # every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=300 bash fuzz/run.sh markdown_import config
#
# A crash (panic, failed assert, timeout, out of memory) fails the run with
# the target's name and the input file libFuzzer saved under
# fuzz/artifacts/<target>/; replay it with
#   cargo fuzz run --fuzz-dir fuzz --target-dir fuzz/target --sanitizer none -a <target> <file>
# (with RUSTC_BOOTSTRAP=1 on a stable compiler, as below).
# Corpora grow under fuzz/corpus/<target>/ (gitignored) across local runs;
# each run seeds them again from the repository's real inputs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
fuzz_dir=$PWD
repo=$(cd .. && pwd)

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if ! [[ $FUZZ_SECONDS =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz: FUZZ_SECONDS must be a positive number of seconds, not '$FUZZ_SECONDS'" >&2
    exit 2
fi
# One input taking longer than this is a hang, reported like a crash.
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
# libFuzzer's -rss_limit_mb: more is reported as out-of-memory.
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
# Inputs longer than this are not tried; the parsers' interesting
# structure fits in far less, and long inputs slow every execution.
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-16384}

all_targets=(config theme keymap runbook markdown_import access_csv access_json alertmanager_json am_matchers)
if [[ $# -gt 0 ]]; then
    targets=("$@")
    for t in "${targets[@]}"; do
        if [[ ! " ${all_targets[*]} " =~ " $t " ]]; then
            echo "fuzz: no target '$t' (targets: ${all_targets[*]})" >&2
            exit 2
        fi
    done
else
    targets=("${all_targets[@]}")
fi

# cargo-fuzz, from crates.io, when missing. The version this was written
# and measured with; a newer one may pass other flags.
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install --locked cargo-fuzz)"
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" || {
        echo "fuzz: cargo-fuzz is missing and cannot be installed" >&2
        exit 1
    }
fi

# A CI machine may have only a stable compiler. With --sanitizer none,
# cargo-fuzz 0.13 passes only stable flags (-Cpasses=sancov-module,
# -Cllvm-args=...); a sanitizer adds -Zsanitizer=..., which stable refuses
# unless RUSTC_BOOTSTRAP=1. Set it on every non-nightly compiler, so that
# every run builds the same way (cargo caches rustc's answers in
# target/.rustc_info.json without regard to RUSTC_BOOTSTRAP: a run without
# it can leave a cached refusal behind, hence that file is dropped too).
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi
rm -f "$fuzz_dir/target/.rustc_info.json"

# --sanitizer none (FUZZ_SANITIZER=address to change): the code under test
# is safe Rust, whose memory errors are already panics (bounds checks), so
# AddressSanitizer would find little more, while it slows every execution
# (4.5x on a trivial target here) and instruments the whole dependency
# tree with an unstable flag. What we look for is a panic, a failed assert,
# a hang or runaway memory: libFuzzer catches all four without a sanitizer.
# -a (debug assertions): integer overflow panics as it does under `cargo
# test`, so an overflow on input is found, not silently wrapped.
# Release (cargo fuzz's default), with the opt-levels of fuzz/Cargo.toml:
# optimised where the parsers run, unoptimised elsewhere, to keep the cold
# build short.
# Own target dir (fuzz/target), so the main crate's builds are not disturbed.
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
build_flags=(--fuzz-dir "$fuzz_dir" --target-dir "$fuzz_dir/target" --sanitizer "$FUZZ_SANITIZER" -a)

started=$(date +%s)
echo "fuzz: building ${#targets[@]} target(s)"
if [[ ${#targets[@]} -eq ${#all_targets[@]} ]]; then
    cargo fuzz build "${build_flags[@]}" || { echo "fuzz: building the fuzz targets failed" >&2; exit 1; }
else
    for t in "${targets[@]}"; do
        cargo fuzz build "${build_flags[@]}" "$t" || { echo "fuzz: building fuzz target $t failed" >&2; exit 1; }
    done
fi
built=$(date +%s)
echo "fuzz: built in $((built - started)) s"

# Seeds: the repository's real inputs, copied into each target's corpus.
seed() {
    local target=$1
    shift
    local dir="$fuzz_dir/corpus/$target"
    mkdir -p "$dir"
    local f
    for f in "$@"; do
        [[ -f $f ]] || continue
        # Named by the source's path, so a re-run overwrites, not duplicates.
        local name=${f#"$repo"/}
        cp -- "$f" "$dir/seed-${name//\//_}"
    done
}
shopt -s nullglob
shared_md=("$repo"/../shared/runbooks/*.md)
if [[ ${#shared_md[@]} -eq 0 ]]; then
    echo "fuzz: warning: no ../shared/runbooks/*.md beside the repository; markdown_import starts from its own seeds only" >&2
fi
seed config "$repo"/config/opsdeck.example.toml
seed theme "$repo"/themes/*.toml
seed keymap "$repo"/keymaps/*.toml
seed runbook "$repo"/config/runbooks/*.toml
seed markdown_import "${shared_md[@]}" "$fuzz_dir"/seeds/markdown_import/*
# A procedures library is longer than FUZZ_MAX_LEN (libFuzzer would cut
# it): each of its `### ` sections is also a seed of its own.
for f in "${shared_md[@]}"; do
    base=$(basename "$f" .md)
    awk -v out="$fuzz_dir/corpus/markdown_import/seed-section-$base-" '
        /^### / { n++ }
        n > 0 { print > (out n ".md") }
    ' "$f"
done
seed access_csv "$fuzz_dir"/seeds/access_csv/*
seed access_json "$fuzz_dir"/seeds/access_json/*
seed alertmanager_json "$fuzz_dir"/seeds/alertmanager_json/*
seed am_matchers "$fuzz_dir"/seeds/am_matchers/*
shopt -u nullglob

dict_of() {
    case $1 in
        config | theme | keymap | runbook) echo toml ;;
        markdown_import) echo markdown ;;
        access_csv) echo csv ;;
        access_json | alertmanager_json) echo json ;;
        am_matchers) echo matchers ;;
    esac
}

failed=()
summary=()
for t in "${targets[@]}"; do
    # cargo fuzz tells libFuzzer to save a crashing input under
    # fuzz/artifacts/<target>/.
    mkdir -p "$fuzz_dir/artifacts"
    log="$fuzz_dir/artifacts/$t.log"
    echo "fuzz: $t for ${FUZZ_SECONDS}s"
    status=0
    cargo fuzz run "${build_flags[@]}" "$t" "$fuzz_dir/corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" \
        -timeout="$FUZZ_TIMEOUT" \
        -rss_limit_mb="$FUZZ_RSS_MB" \
        -max_len="$FUZZ_MAX_LEN" \
        -dict="$fuzz_dir/dicts/$(dict_of "$t").dict" \
        -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E".
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    summary+=("$t: ${last:-no status line}")
    if [[ $status -ne 0 ]]; then
        input=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/^Test unit written to //' || true)
        if [[ -n $input ]]; then
            echo "fuzz: CRASH in target $t (exit $status); input: $input" >&2
        else
            input="(no input saved: see the log)"
            echo "fuzz: target $t FAILED (exit $status) without saving an input" >&2
        fi
        echo "fuzz: what libFuzzer said (whole log: $log):" >&2
        # The panic message (or libFuzzer's timeout / out-of-memory error),
        # then cargo fuzz's "Failing input" block with the input's bytes.
        report=$(awk '
            !seen && /panicked at|ERROR: libFuzzer|ALARM: working on the last Unit/ { on = 1; seen = 1 }
            on == 1 && /^stack backtrace:/ { on = 0 }
            /^Failing input:/ { on = 2 }
            /^Minimize test case with:/ { exit }
            on { print }
        ' "$log")
        if [[ -n $report ]]; then
            printf '%s\n' "$report" >&2
        else
            tail -40 "$log" >&2
        fi
        failed+=("$t: $input")
    fi
done

echo "fuzz: ---- summary (built in $((built - started)) s, ran in $(($(date +%s) - built)) s) ----"
printf 'fuzz: %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: FAILED: ${#failed[@]} target(s) crashed:" >&2
    printf 'fuzz:   %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "fuzz: no crash in ${#targets[@]} target(s)"
