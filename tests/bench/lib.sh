# Shared by the benchmark scripts of tests/bench/ (sourced, not run): messages, whole-process
# timing and the statistics every benchmark reports. The sourcing script sets WORK (its scratch
# directory) before calling timed.

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}
# Prints the "# Usage:" ... "# Exit:" block of the running script's header and exits 64.
usage() {
    sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0" >&2
    exit 64
}
need_gnu_time() {
    /usr/bin/time -f %M -o /dev/null true 2>/dev/null || die "/usr/bin/time is not GNU time (apt-get install time)"
}

# timed EXPECTED_EXIT LABEL CMD...: one whole-process run. Sets LAST_US (wall time, µs, bash
# $EPOCHREALTIME), LAST_KB (peak RSS of the largest process of the run's tree, GNU time %M) and
# LAST_CPU_MS (user + system CPU of the whole tree, 10 ms resolution). Its stdout is kept in
# $WORK/stdout. A run that cannot execute or exits otherwise than expected stops the benchmark.
timed() {
    local expected=$1 label=$2 t0 t1 rc
    shift 2
    t0=$EPOCHREALTIME
    if /usr/bin/time -f '%M %U %S' -o "$WORK/time" "$@" >"$WORK/stdout" 2>"$WORK/stderr"; then rc=0; else rc=$?; fi
    t1=$EPOCHREALTIME
    if ((rc != expected)); then
        say "$label exited $rc, expected $expected; its output:"
        cat "$WORK/stdout" "$WORK/stderr" >&2
        die "$label: unexpected exit status $rc"
    fi
    LAST_US=$((10#${t1/./} - 10#${t0/./}))
    read -r LAST_KB LAST_CPU_MS < <(tail -n 1 "$WORK/time" | awk '{ printf "%d %d\n", $1, ($2 + $3) * 1000 }')
    [[ $LAST_KB =~ ^[0-9]+$ && $LAST_KB -gt 0 ]] || die "$label: GNU time reported no peak RSS"
}

# stats US...: "median_ms p90_ms min_ms" (p90 by nearest rank).
stats() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        r = int(0.9 * NR); if (r < 0.9 * NR) r++
        printf "%.1f %.1f %.1f\n", m / 1000, v[r] / 1000, v[1] / 1000 }'
}
max_of() { printf '%s\n' "$@" | sort -n | tail -n 1; }
# median_of NUMBER...: the median, two decimals.
median_of() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_kb_mib() { max_of "$@" | awk '{ printf "%.1f", $1 / 1024 }'; }
# ratio A B: A / B, three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# in_pairs LABEL_A LABEL_B: one warm-up each, then $runs pairs of the commands in the arrays
# PAIR_A and PAIR_B run in turn (A, B, A, B, ...), each of which must exit 0. Sets the samples
# A_US, A_KB, B_US, B_KB and PAIR_RATIOS (A / B within each pair).
in_pairs() {
    local i
    timed 0 "$1 (warm-up)" "${PAIR_A[@]}"
    timed 0 "$2 (warm-up)" "${PAIR_B[@]}"
    A_US=() A_KB=() B_US=() B_KB=() PAIR_RATIOS=()
    for ((i = 0; i < runs; i++)); do
        timed 0 "$1" "${PAIR_A[@]}"
        A_US+=("$LAST_US") A_KB+=("$LAST_KB")
        timed 0 "$2" "${PAIR_B[@]}"
        B_US+=("$LAST_US") B_KB+=("$LAST_KB")
        PAIR_RATIOS+=("$(ratio "${A_US[-1]}" "$LAST_US")")
    done
}
