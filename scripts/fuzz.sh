#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders and doors (the targets in fuzz/), each for a
# bounded time under AFL++ through cargo-afl, at low priority. Prints, per target, the
# executions and the crashes and hangs of this run, and where the inputs that caused them
# are kept.
#
#   scripts/fuzz.sh [seconds-per-target=60] [target…]
#
# Each target keeps its queue in fuzz/out/<target> and goes on from it the next time;
# `rm -rf fuzz/out` starts again from the seeds in fuzz/corpus/<target>.
set -euo pipefail

seconds=${1:-60}
shift || true
all=(json_body xml egain_document bank_batch native_create)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"

if ! cargo afl --version >/dev/null 2>&1; then
    echo "installing cargo-afl from crates.io" >&2
    nice cargo install cargo-afl --locked
fi
# Builds AFL++ for this toolchain the first time; says so and fails when done already.
nice cargo afl config --build >/dev/null 2>&1 || true
nice cargo afl build --release --locked 2>&1 | tail -n 3 >&2

# No core dumps to wait for, no CPU governor to ask about, and no screen to draw.
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1
export AFL_AUTORESUME=1 AFL_NO_AFFINITY=1

dict_of() {
    case $1 in
        json_body) echo dict/json.dict ;;
        xml) echo dict/xml.dict ;;
        egain_document) echo dict/egain.dict ;;
        bank_batch) echo dict/bank.dict ;;
        native_create) echo dict/native.dict ;;
    esac
}

stat_of() { # file key
    [ -f "$1" ] || { echo 0; return; }
    awk -F': *' -v key="$2" '$1 ~ "^"key" *$" { print $2 + 0 }' "$1"
}

mkdir -p out
printf '%-16s %10s %8s %12s %8s %6s  %s\n' target seconds execs execs/second crashes hangs kept
for target in "${targets[@]}"; do
    stats=out/$target/default/fuzzer_stats
    execs_before=$(stat_of "$stats" execs_done)
    crashes_before=$(stat_of "$stats" saved_crashes)
    hangs_before=$(stat_of "$stats" saved_hangs)
    started=$(date +%s)
    nice cargo afl fuzz -V "$seconds" -x "$(dict_of "$target")" \
        -i "corpus/$target" -o "out/$target" "target/release/$target" \
        >"out/$target.log" 2>&1 || {
        echo "$target: afl-fuzz failed; see fuzz/out/$target.log" >&2
        tail -n 20 "out/$target.log" >&2
        continue
    }
    took=$(($(date +%s) - started))
    execs=$(($(stat_of "$stats" execs_done) - execs_before))
    crashes=$(($(stat_of "$stats" saved_crashes) - crashes_before))
    hangs=$(($(stat_of "$stats" saved_hangs) - hangs_before))
    printf '%-16s %10s %8s %12s %8s %6s  %s\n' "$target" "$took" "$execs" \
        "$((execs / (took > 0 ? took : 1)))" "$crashes" "$hangs" \
        "fuzz/out/$target/default/{crashes,hangs}"
done
