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

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}
usage() {
    sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 64
}

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
/usr/bin/time -f %M -o /dev/null true 2>/dev/null || die "/usr/bin/time is not GNU time (apt-get install time)"

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

# timed LABEL CMD...: one whole-process run, which must exit 0; sets LAST_US (wall), LAST_KB
# (peak RSS) and LAST_CPU_MS (user + system CPU, 10 ms resolution: steadier than wall time on
# a loaded machine).
timed() {
    local label=$1 t0 t1 rc
    shift
    t0=$EPOCHREALTIME
    if /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/stderr"; then rc=0; else rc=$?; fi
    t1=$EPOCHREALTIME
    ((rc == 0)) || { cat "$WORK/stderr" >&2; die "$label exited $rc, expected 0"; }
    LAST_US=$((10#${t1/./} - 10#${t0/./}))
    read -r LAST_KB LAST_CPU_MS < <(tail -n 1 "$WORK/rss" | awk '{ printf "%d %d\n", $1, ($2 + $3) * 1000 }')
}
stats() { # US...: "median_ms p90_ms min_ms" (p90 by nearest rank)
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        r = int(0.9 * NR); if (r < 0.9 * NR) r++
        printf "%.1f %.1f %.1f\n", m / 1000, v[r] / 1000, v[1] / 1000 }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max_kb_mib() { printf '%s\n' "$@" | sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'; }

WITH=("$binary" run "$WORK/prom-1000.yaml" -o "$WORK/textfile/bench.prom")
WITHOUT=("$binary" run "$WORK/prom-1000.yaml")
say "prom-1000: warm-up, then $runs alternating pairs"
timed "prom-1000 (warm-up)" "${WITH[@]}"
timed "prom-1000-none (warm-up)" "${WITHOUT[@]}"
a_us=() a_kb=() b_us=() b_kb=() deltas=() a_cpu=() b_cpu=()
for ((i = 0; i < runs; i++)); do
    timed prom-1000 "${WITH[@]}"
    a_us+=("$LAST_US") a_kb+=("$LAST_KB") a_cpu+=("$LAST_CPU_MS")
    timed prom-1000-none "${WITHOUT[@]}"
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
delta=$(awk -v us="$(median "${deltas[@]}")" 'BEGIN { printf "%.1f", us / 1000 }')
met=$(awk -v m="$delta" 'BEGIN { print (m <= 100) ? "yes" : "no" }')
printf '\n%-14s %10s %9s %9s %9s %9s  %-22s %s\n' benchmark median_ms p90_ms min_ms cpu_ms rss_MiB target met
printf '%-14s %10.1f %9.1f %9.1f %9.1f %9.1f  %-22s %s\n' prom-1000 "$a_med" "$a_p90" "$a_min" "$(median "${a_cpu[@]}")" \
    "$(max_kb_mib "${a_kb[@]}")" "(whole run)" "-"
printf '%-14s %10.1f %9.1f %9.1f %9.1f %9.1f  %-22s %s\n' prom-1000-none "$b_med" "$b_p90" "$b_min" "$(median "${b_cpu[@]}")" \
    "$(max_kb_mib "${b_kb[@]}")" "(reference)" "-"
printf 'textfile cost  %s ms wall  (median of %d per-pair differences; %d series, %d bytes; target <= 100 ms: %s)\n' \
    "$delta" "$runs" "$((series + 4 + 4))" "$bytes" "$met"
printf 'runs per benchmark: %d after 1 warm-up · %d cores · load %s before, %s after\n' \
    "$runs" "$(nproc)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
