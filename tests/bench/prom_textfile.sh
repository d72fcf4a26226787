#!/usr/bin/env bash
# The Prometheus textfile benchmark (issue 15): how long a run of a 1,000-check pack takes when
# it writes its metrics for node_exporter (`-o DIR/bench.prom`), and what the .prom file adds.
# Whole-process runs, as medians over N runs after one warm-up, alternating:
#   prom-1000       preflight run prom-1000.yaml -o DIR/bench.prom (4,000 check_status series)
#   prom-1000-none  the same run without any report file (reference)
# The textfile's cost (render, leak scan, write, fsync, rename) is the median of the per-pair
# differences; the target (well under 100 ms) applies to it. Host-local only: no sandbox, no
# database. There is no timing assertion.
#
# Usage: tests/bench/prom_textfile.sh [--quick] [--binary PATH]
#   --quick    N=3 instead of 15
#   --binary   the preflight binary (default $PREFLIGHT_BINARY, else build/preflight)
# Exit: 0 every run executed with the expected verdict · 1 a run failed · 64 bad command line.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
readonly HERE ROOT CHECKS=1000

# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"

quick=0
binary=${PREFLIGHT_BINARY:-$ROOT/build/preflight}
while (($#)); do
    case $1 in
    --quick) quick=1; shift ;;
    --binary) (($# >= 2)) || usage; binary=$2; shift 2 ;;
    *) usage ;;
    esac
done
runs=$((quick ? 3 : 15))
[[ $binary == /* ]] || binary=$PWD/$binary
[[ -x $binary ]] || die "no preflight binary at $binary (build it: scripts/build, or pass --binary PATH)"
need_gnu_time

WORK=$(mktemp -d /tmp/pfb-prom.XXXX)
trap 'rm -rf -- "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1,000 env_var checks (a regex each) over 1,000 variables of one env file.
for ((i = 0; i < CHECKS; i++)); do printf 'APP_SETTING_%04d=%032x\n' "$i" "$((i * 7919 + 17))"; done >"$WORK/app.env"
{
    printf 'preflight: 1\npack: bench-prom-1000\ntitle: 1,000 env_var checks\nenv_files: ["%s"]\nchecks:\n' "$WORK/app.env"
    for ((i = 0; i < CHECKS; i++)); do
        printf '  - id: env-%04d\n    kind: env_var\n    name: APP_SETTING_%04d\n    matches: "^[0-9a-f]{32}$"\n' "$i" "$i"
    done
} >"$WORK/prom-1000.yaml"
mkdir "$WORK/textfile"

WITH=("$binary" run "$WORK/prom-1000.yaml" -o "$WORK/textfile/bench.prom")
WITHOUT=("$binary" run "$WORK/prom-1000.yaml")
say "prom-1000: warm-up, then $runs alternating pairs"
timed 0 "prom-1000 (warm-up)" "${WITH[@]}"
timed 0 "prom-1000-none (warm-up)" "${WITHOUT[@]}"
a_us=() a_kb=() b_us=() b_kb=() deltas=() a_cpu=() b_cpu=()
for ((i = 0; i < runs; i++)); do
    timed 0 prom-1000 "${WITH[@]}"
    a_us+=("$LAST_US") a_kb+=("$LAST_KB") a_cpu+=("$LAST_CPU_MS")
    timed 0 prom-1000-none "${WITHOUT[@]}"
    b_us+=("$LAST_US") b_kb+=("$LAST_KB") b_cpu+=("$LAST_CPU_MS")
    deltas+=("$((a_us[-1] - LAST_US))")
done
series=$(grep -c '^preflight_check_status{' "$WORK/textfile/bench.prom")
bytes=$(stat -c %s "$WORK/textfile/bench.prom")
((series == 4 * CHECKS)) || die "expected $((4 * CHECKS)) preflight_check_status series, found $series"
if command -v promtool >/dev/null; then
    promtool check metrics <"$WORK/textfile/bench.prom" || die "promtool check metrics rejects the .prom file"
fi

read -r a_med a_p90 a_min < <(stats "${a_us[@]}")
read -r b_med b_p90 b_min < <(stats "${b_us[@]}")
delta=$(awk -v us="$(median_of "${deltas[@]}")" 'BEGIN { printf "%.1f", us / 1000 }')
met=$(awk -v m="$delta" 'BEGIN { print (m <= 100) ? "yes" : "no" }')
printf '\n%-14s %10s %9s %9s %9s %9s  %-22s %s\n' benchmark median_ms p90_ms min_ms cpu_ms rss_MiB target met
printf '%-14s %10.1f %9.1f %9.1f %9.1f %9.1f  %-22s %s\n' prom-1000 "$a_med" "$a_p90" "$a_min" "$(median_of "${a_cpu[@]}")" \
    "$(max_kb_mib "${a_kb[@]}")" "(whole run)" "-"
printf '%-14s %10.1f %9.1f %9.1f %9.1f %9.1f  %-22s %s\n' prom-1000-none "$b_med" "$b_p90" "$b_min" "$(median_of "${b_cpu[@]}")" \
    "$(max_kb_mib "${b_kb[@]}")" "(reference)" "-"
printf 'textfile cost  %s ms wall  (median of %d per-pair differences; %d series, %d bytes; target <= 100 ms: %s)\n' \
    "$delta" "$runs" "$((series + 4 + 4))" "$bytes" "$met"
printf 'runs per benchmark: %d after 1 warm-up · %d cores · load %s before, %s after\n' \
    "$runs" "$(nproc)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
