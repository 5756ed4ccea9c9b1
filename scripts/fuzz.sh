#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time, one after the other, at
# the lowest CPU priority, then minimises its corpus (fuzz/corpus/TARGET).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
#   FUZZ_TARGETS="flow_text ingest_gzip" scripts/fuzz.sh 600
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); the
# normal build and CI never need either. Each run is bounded in memory
# (-rss_limit_mb), per input (-timeout, seconds) and in input size
# (-max_len). An empty corpus is seeded from the simulator's output. A
# crash or hang leaves its input in fuzz/artifacts/TARGET/ and fails the
# script: turn it into a regression test in the normal suite.
# Prints the executions per target at the end.
set -euo pipefail

secs="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
read -r -a targets <<< "${FUZZ_TARGETS:-flow_text resolver_json insights_rows ingest_gzip}"
rss_mb="${FUZZ_RSS_MB:-1024}"
max_len="${FUZZ_MAX_LEN:-16384}"

seed() {
    local sim
    sim="$(mktemp -d)"
    (cd "$root" && cargo run -q -p vpce-advisor -- simulate "$sim" --hours 1 --instances 2 --seed 5 >/dev/null)
    python3 "$root/fuzz/seeds.py" "$sim" "$root/fuzz/corpus"
    rm -rf "$sim"
}

if [ ! -d corpus ] || [ -z "$(ls -A corpus 2>/dev/null)" ]; then
    seed
fi

declare -A execs
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="$(mktemp)"
    if ! nice -n 19 cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb="$rss_mb" -timeout=10 -max_len="$max_len" \
        -print_final_stats=1 >"$log" 2>&1; then
        echo "fuzz: $t found a crash or hang; its input is in fuzz/artifacts/$t/" >&2
        tail -40 "$log" >&2
        status=1
    fi
    execs[$t]="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    rm -f "$log"
    # Keep only the inputs that add an edge (not merely a hit count or a
    # compared value), so the corpus stays small in git.
    if ! nice -n 19 cargo +nightly fuzz cmin "$t" "corpus/$t" -- -rss_limit_mb="$rss_mb" -max_len="$max_len" \
        -use_counters=0 -use_value_profile=0 >/dev/null 2>&1; then
        echo "fuzz: $t: the corpus could not be minimised" >&2
    fi
done

for t in "${targets[@]}"; do
    echo "fuzz: $t: ${execs[$t]:-?} executions in ${secs}s, corpus $(ls "corpus/$t" | wc -l) inputs"
done
echo "fuzz: corpus $(du -sk corpus | cut -f1) KiB"
exit "$status"
