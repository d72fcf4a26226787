#!/usr/bin/env bash
# The preflight benchmark (issue 7): brings the sandbox host up in state `fixed` and measures
# whole-process runs, as medians over N runs after one warm-up run each:
#   f4-preflight   preflight run rules/f4-backup.yaml $(sandbox.sh vars)
#   f4-shell       tests/bench/f4_shell.sh, the bash + psql + gpg + jq equivalent, run alternately
#                  with f4-preflight (A,B,A,B...); the speed-up is the median of per-pair ratios
#   pg-10k         one pg_privileges check over a schema of 10,000 tables (expect_count 10000)
#   local-1000     a generated pack of 1,000 host-local checks (file, env_var, config_drift)
#   summary-1000   preflight summary over a directory of 1,000 JSON reports (summary_reports.sh)
#   gpg-5k         the F4 pack's two key checks against a keyring of 5,000 keys (gpg_keyring_5k.sh),
#                  run alternately with the same checks against the sandbox's keyring (gpg-small)
# Peak RSS is GNU time's %M: the largest resident set of any one process of the run's tree.
#
# Usage: tests/bench/run.sh [--quick] [--out FILE.json] [--binary PATH]
#   --quick    N=3 instead of 15: the CI smoke run (no timing assertion: it fails only when a run
#              cannot execute or a verdict is not the expected one)
#   --out      where the JSON goes (default tests/bench/last-run.json, not committed)
#   --binary   the preflight binary (default $PREFLIGHT_BINARY, else build/preflight)
# Exit: 0 everything ran with the expected verdicts · 1 a run failed · 64 bad command line.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
SANDBOX=$ROOT/tests/sandbox/sandbox.sh
readonly HERE ROOT SANDBOX
readonly WIDE_SCHEMA=bench_wide WIDE_TABLES=10000 LOCAL_CHECKS=1000 SUMMARY_REPORTS=1000

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
out=$HERE/last-run.json
binary=${PREFLIGHT_BINARY:-$ROOT/build/preflight}
while (($#)); do
    case $1 in
    --quick) quick=1; shift ;;
    --out) (($# >= 2)) || usage; out=$2; shift 2 ;;
    --binary) (($# >= 2)) || usage; binary=$2; shift 2 ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
done
runs=$((quick ? 3 : 15))
[[ $binary == /* ]] || binary=$PWD/$binary
[[ $out == /* ]] || out=$PWD/$out
[[ -x $binary ]] || die "no preflight binary at $binary (build it: scripts/build, or pass --binary PATH)"
[[ -d $(dirname -- "$out") ]] || die "the directory of --out $out does not exist"
for tool in jq psql gpg pg_dump /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install jq postgresql-client gnupg time)"
done
/usr/bin/time -f %M -o /dev/null true 2>/dev/null || die "/usr/bin/time is not GNU time (apt-get install time)"

# --- sandbox and scratch space; the trap always takes both down --------------------------------
SBX=$(mktemp -d /tmp/pfb.XXXX)
WORK=$(mktemp -d /tmp/pfb-work.XXXX)
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    "$SANDBOX" down "$SBX" 2>/dev/null || rmdir -- "$SBX" 2>/dev/null || true
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "sandbox up in $SBX (state fixed)"
sandbox_start=$EPOCHREALTIME
"$SANDBOX" up "$SBX" fixed 2>"$WORK/sandbox.log" || { cat "$WORK/sandbox.log" >&2; die "sandbox.sh up failed"; }
sandbox_ms=$(((10#${EPOCHREALTIME/./} - 10#${sandbox_start/./}) / 1000))
VARS=()
while IFS= read -r line; do VARS+=(--var "${line#--var }"); done < <("$SANDBOX" vars "$SBX")
eval "$("$SANDBOX" env "$SBX")" # export PGPASSFILE=...
db_conninfo=
for v in "${VARS[@]}"; do [[ $v == db=* ]] && db_conninfo=${v#db=}; done
[[ -n $db_conninfo ]] || die "sandbox.sh vars printed no db=..."

# --- measuring ---------------------------------------------------------------------------------
# timed EXPECTED_EXIT LABEL CMD...: one whole-process run; sets LAST_US (wall, µs) and LAST_KB
# (peak RSS). A run that cannot execute or exits otherwise than expected stops the benchmark.
timed() {
    local expected=$1 label=$2 t0 t1 rc
    shift 2
    t0=$EPOCHREALTIME
    if /usr/bin/time -f %M -o "$WORK/rss" "$@" >"$WORK/stdout" 2>"$WORK/stderr"; then rc=0; else rc=$?; fi
    t1=$EPOCHREALTIME
    if ((rc != expected)); then
        say "$label exited $rc, expected $expected; its output:"
        cat "$WORK/stdout" "$WORK/stderr" >&2
        die "$label: unexpected exit status $rc"
    fi
    LAST_US=$((10#${t1/./} - 10#${t0/./}))
    LAST_KB=$(tail -n 1 "$WORK/rss")
    [[ $LAST_KB =~ ^[0-9]+$ ]] || die "$label: GNU time reported no peak RSS"
}

# stats US...: "median_ms p90_ms min_ms" (p90 by nearest rank).
stats() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        r = int(0.9 * NR); if (r < 0.9 * NR) r++
        printf "%.1f %.1f %.1f\n", m / 1000, v[r] / 1000, v[1] / 1000 }'
}
max_of() { printf '%s\n' "$@" | sort -n | tail -n 1; }
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

RESULTS=()  # one JSON object per benchmark
# record NAME DESCRIPTION TARGET_MS TARGET_RSS_MIB "US..." "KB..."
record() {
    local name=$1 description=$2 target_ms=$3 target_rss=$4 median p90 min kb
    # $5 and $6 are space-separated lists of integers: split on purpose.
    # shellcheck disable=SC2086
    read -r median p90 min < <(stats $5)
    # shellcheck disable=SC2086
    kb=$(max_of $6)
    RESULTS+=("$(jq -cn --arg name "$name" --arg description "$description" \
        --argjson runs "$runs" --argjson median "$median" --argjson p90 "$p90" --argjson min "$min" \
        --argjson rss "$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')" \
        --argjson target_ms "${target_ms:-null}" --argjson target_rss "${target_rss:-null}" \
        --argjson samples "[${5// /,}]" '
        {name: $name, description: $description, runs: $runs, median_ms: $median, p90_ms: $p90,
         min_ms: $min, peak_rss_mib: $rss, target_ms: $target_ms, target_rss_mib: $target_rss,
         met: ((($target_ms == null) or ($median <= $target_ms)) and
               (($target_rss == null) or ($rss <= $target_rss))),
         samples_us: $samples}')")
}

# --- 1. F4: preflight vs the shell equivalent, alternating ------------------------------------
F4=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}")
SHELL_F4=(bash "$HERE/f4_shell.sh" "${VARS[@]}")
say "F4: warm-up, then $runs alternating pairs"
# In state fixed every check of the pack passes: the gate is open (exit 0). The JSON report of
# this run (outside the timings) gives the per-check durations.
if ! "$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}" -f json >"$WORK/f4-report.json" 2>"$WORK/stderr"; then
    jq -r '.checks[] | select(.status != "pass") | "\(.id): \(.status) — \(.message)"' "$WORK/f4-report.json" >&2 ||
        cat "$WORK/f4-report.json" "$WORK/stderr" >&2
    die "preflight run rules/f4-backup.yaml does not open the gate in sandbox state fixed (expected exit 0)"
fi
f4_count=$(jq '.checks | length' "$WORK/f4-report.json")
timed 0 "preflight F4 (warm-up)" "${F4[@]}"
timed 0 "f4_shell.sh (warm-up)" "${SHELL_F4[@]}"
a_us=() a_kb=() b_us=() b_kb=() ratios=()
for ((i = 0; i < runs; i++)); do
    timed 0 "preflight F4" "${F4[@]}"
    a_us+=("$LAST_US") a_kb+=("$LAST_KB")
    timed 0 "f4_shell.sh" "${SHELL_F4[@]}"
    b_us+=("$LAST_US") b_kb+=("$LAST_KB")
    ratios+=("$(awk -v b="$LAST_US" -v a="${a_us[-1]}" 'BEGIN { printf "%.3f", b / a }')")
done
record f4-preflight "preflight run rules/f4-backup.yaml ($f4_count checks, sandbox state fixed)" 50 30 "${a_us[*]}" "${a_kb[*]}"
record f4-shell "tests/bench/f4_shell.sh: bash + psql + gpg + jq, same checks" "" "" "${b_us[*]}" "${b_kb[*]}"
ratio=$(median_of "${ratios[@]}")

# --- 2. one pg_privileges check over 10,000 tables ---------------------------------------------
# As the sandbox does: the superuser `postgres` over the cluster's socket, as the cluster's OS owner.
pg_bindir=$(cat "$SBX/.sandbox/pg_bindir" 2>/dev/null || dirname -- "$(command -v psql)")
as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
say "creating $WIDE_TABLES tables in schema $WIDE_SCHEMA"
setup_start=$EPOCHREALTIME
(cd "$SBX/pg" && as_owner "$pg_bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$SBX/pg/run" -p 5432 \
    -U postgres -d directus >/dev/null) <<SQL || die "could not create the $WIDE_TABLES tables"
CREATE SCHEMA $WIDE_SCHEMA;
GRANT USAGE ON SCHEMA $WIDE_SCHEMA TO cutter_exec;
ALTER DEFAULT PRIVILEGES IN SCHEMA $WIDE_SCHEMA GRANT SELECT ON TABLES TO cutter_exec;
-- Commit in batches: one transaction would hold 10,000 locks, beyond the lock table.
DO \$\$
BEGIN
  FOR i IN 1..$WIDE_TABLES LOOP
    EXECUTE format('CREATE TABLE $WIDE_SCHEMA.%I (id integer, note text)', 't' || lpad(i::text, 5, '0'));
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END
\$\$;
ANALYZE pg_catalog.pg_class;
SQL
setup_ms=$(((10#${EPOCHREALTIME/./} - 10#${setup_start/./}) / 1000))
cat >"$WORK/pg-10k.yaml" <<YAML
preflight: 1
pack: bench-pg-10k
title: SELECT on every table of a 10,000-table schema, and no write privilege
vars:
  db: ""
connections:
  wide:
    postgres: "\${var.db}"
checks:
  - id: wide-select-grants
    kind: pg_privileges
    connection: wide
    role: cutter_exec
    schema: $WIDE_SCHEMA
    expect_count: $WIDE_TABLES
    privileges: [SELECT]
    forbid: [INSERT, UPDATE, DELETE, TRUNCATE]
    superuser: forbid
YAML
PG10K=("$binary" run "$WORK/pg-10k.yaml" --var "db=$db_conninfo")
say "pg-10k: warm-up, then $runs runs"
timed 0 "pg-10k (warm-up)" "${PG10K[@]}"
us=() kb=()
for ((i = 0; i < runs; i++)); do
    timed 0 "pg-10k" "${PG10K[@]}"
    us+=("$LAST_US") kb+=("$LAST_KB")
done
record pg-10k "one pg_privileges check, schema of $WIDE_TABLES tables, SELECT + 4 forbidden + superuser" 100 30 "${us[*]}" "${kb[*]}"

# --- 3. a pack of 1,000 host-local checks ------------------------------------------------------
# 334 file checks (exists, type, mode_max, one content regex) over 334 files; 333 env_var checks
# (regex) over 333 variables in 3 env files; 333 config_drift checks (2 JSON pointers each) over
# 333 JSON files.
say "generating a pack of $LOCAL_CHECKS host-local checks"
local_dir=$WORK/local
mkdir -p "$local_dir/files" "$local_dir/conf"
n_file=334 n_env=333 n_conf=333
for ((i = 0; i < n_file; i++)); do
    printf 'name: service-%04d\nlisten: 127.0.0.1:%d\nlog_level: info\n' "$i" "$((20000 + i))" >"$local_dir/files/f$i.conf"
done
chmod 0640 "$local_dir"/files/*.conf
for ((f = 0; f < 3; f++)); do
    for ((i = f; i < n_env; i += 3)); do
        printf 'APP_SETTING_%04d=%s\n' "$i" "$(printf '%032x' "$((i * 7919 + 17))")"
    done >"$local_dir/app$f.env"
done
for ((i = 0; i < n_conf; i++)); do
    printf '{"service": {"name": "svc-%04d", "port": %d, "enabled": true}, "tags": ["bench"]}\n' "$i" "$((30000 + i))" >"$local_dir/conf/c$i.json"
done
{
    printf 'preflight: 1\npack: bench-local-1000\ntitle: 1,000 host-local checks\nchecks:\n'
    for ((i = 0; i < n_file; i++)); do
        printf '  - id: file-%04d\n    kind: file\n    path: %s\n    type: file\n    mode_max: "0644"\n    contains: ["^listen: 127\\\\.0\\\\.0\\\\.1:%d$"]\n' \
            "$i" "$local_dir/files/f$i.conf" "$((20000 + i))"
    done
    for ((i = 0; i < n_env; i++)); do
        printf '  - id: env-%04d\n    kind: env_var\n    name: APP_SETTING_%04d\n    file: %s\n    matches: "^[0-9a-f]{32}$"\n' \
            "$i" "$i" "$local_dir/app$((i % 3)).env"
    done
    for ((i = 0; i < n_conf; i++)); do
        printf '  - id: conf-%04d\n    kind: config_drift\n    path: %s\n    format: json\n    expect:\n      /service/name: "svc-%04d"\n      /service/port: %d\n' \
            "$i" "$local_dir/conf/c$i.json" "$i" "$((30000 + i))"
    done
} >"$WORK/local-1000.yaml"
LOCAL=("$binary" run "$WORK/local-1000.yaml")
say "local-1000: warm-up, then $runs runs"
timed 0 "local-1000 (warm-up)" "${LOCAL[@]}"
us=() kb=()
for ((i = 0; i < runs; i++)); do
    timed 0 "local-1000" "${LOCAL[@]}"
    us+=("$LAST_US") kb+=("$LAST_KB")
done
record local-1000 "$LOCAL_CHECKS generated checks: 334 file, 333 env_var, 333 config_drift" 200 30 "${us[*]}" "${kb[*]}"

# --- 4. summary over 1,000 reports --------------------------------------------------------------
# Copies of three real reports of a 15-check host-local pack, with varied host names (every 10th
# failing, every 100th erroring: exit 2). The reports are generated once, outside the timings.
say "generating $SUMMARY_REPORTS reports for summary"
bash "$HERE/summary_reports.sh" "$binary" "$WORK/fleet" "$SUMMARY_REPORTS" || die "could not generate the reports"
SUMMARY=("$binary" summary "$WORK/fleet")
say "summary-1000: warm-up, then $runs runs"
timed 2 "summary-1000 (warm-up)" "${SUMMARY[@]}"
us=() kb=()
for ((i = 0; i < runs; i++)); do
    timed 2 "summary-1000" "${SUMMARY[@]}"
    us+=("$LAST_US") kb+=("$LAST_KB")
done
record summary-1000 "preflight summary DIR of $SUMMARY_REPORTS JSON reports (15 checks each, 3 verdicts)" 1000 64 "${us[*]}" "${kb[*]}"

# --- 5. the GnuPG checks against a keyring of 5,000 keys (issue 17) -----------------------------
# The F4 pack's two key checks (--only 'backup-key-*': with their needs env-file-present and
# backup-fpr-set) against a copy of the sandbox's GnuPG home plus GPG_KEYS other public keys
# (gpg_keyring_5k.sh, generated once per run, outside the timings), alternating with the same
# checks against the sandbox's own keyring of one key: the ratio large/small is what the keyring's
# size costs (1.00 = nothing), the median of the large one is held against the issue's 100 ms.
# --quick (the CI smoke run) makes 500 keys instead: generating 5,000 takes ~50 s.
GPG_KEYS=$((quick ? 500 : 5000))
bench_gpg_5k() {
    local small_home="" v large_home=$WORK/gnupg-5k i
    for v in "${VARS[@]}"; do [[ $v == gnupg_home=* ]] && small_home=${v#gnupg_home=}; done
    [[ -n $small_home ]] || die "sandbox.sh vars printed no gnupg_home=..."
    say "gpg-5k: generating a keyring of $GPG_KEYS keys (about a minute)"
    local gen_start=$EPOCHREALTIME
    bash "$HERE/gpg_keyring_5k.sh" "$small_home" "$large_home" "$GPG_KEYS" 2>"$WORK/gpg-5k.log" ||
        { cat "$WORK/gpg-5k.log" >&2; die "could not generate the $GPG_KEYS-key keyring"; }
    GPG_5K_SETUP_MS=$(((10#${EPOCHREALTIME/./} - 10#${gen_start/./}) / 1000))
    local large=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}" --var "gnupg_home=$large_home" --only 'backup-key-*')
    local small=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}" --only 'backup-key-*')
    say "gpg-5k: warm-up, then $runs alternating pairs"
    timed 0 "gpg-5k (warm-up)" "${large[@]}"
    timed 0 "gpg-small (warm-up)" "${small[@]}"
    local a_us=() a_kb=() b_us=() b_kb=() pair_ratios=()
    for ((i = 0; i < runs; i++)); do
        timed 0 "gpg-5k" "${large[@]}"
        a_us+=("$LAST_US") a_kb+=("$LAST_KB")
        timed 0 "gpg-small" "${small[@]}"
        b_us+=("$LAST_US") b_kb+=("$LAST_KB")
        pair_ratios+=("$(awk -v a="${a_us[-1]}" -v b="$LAST_US" 'BEGIN { printf "%.3f", a / b }')")
    done
    record gpg-5k "F4 --only 'backup-key-*' (2 gpg_key checks + needs), keyring of 1 + $GPG_KEYS keys" 100 30 "${a_us[*]}" "${a_kb[*]}"
    record gpg-small "the same checks against the sandbox's keyring of 1 key" "" "" "${b_us[*]}" "${b_kb[*]}"
    GPG_5K_RATIO=$(median_of "${pair_ratios[@]}")
    GPG_5K_RATIOS=$(IFS=,; echo "${pair_ratios[*]}")
}
GPG_5K_RATIO=null GPG_5K_RATIOS= GPG_5K_SETUP_MS=null
bench_gpg_5k

# --- report --------------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
results_json=$(printf '%s\n' "${RESULTS[@]}" | jq -s .)
f4_checks=$(jq -c '[.checks[] | {id, status, duration_ms}]' "$WORK/f4-report.json" 2>/dev/null || echo null)
jq -n --argjson results "$results_json" --argjson ratio "$ratio" \
    --argjson ratios "[$(IFS=,; echo "${ratios[*]}")]" --argjson f4_checks "$f4_checks" \
    --arg binary "$binary" --arg version "$("$binary" --version 2>/dev/null | head -n 1)" \
    --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
    --argjson cores "$(nproc)" --arg kernel "$(uname -sr)" \
    --arg load_before "$load_before" --arg load_after "$load_after" \
    --argjson quick "$quick" --argjson setup_ms "$setup_ms" --argjson sandbox_ms "$sandbox_ms" \
    --argjson gpg5k_ratio "$GPG_5K_RATIO" --argjson gpg5k_ratios "[$GPG_5K_RATIOS]" \
    --argjson gpg5k_setup_ms "$GPG_5K_SETUP_MS" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    {schema: "preflight.bench/v1", date_utc: $date, quick: ($quick == 1), binary: $binary,
     version: $version,
     machine: {cpu: $cpu, cores: $cores, kernel: $kernel, loadavg_before: $load_before,
               loadavg_after: $load_after},
     benchmarks: $results,
     f4_speedup: {median_ratio: $ratio, target: 6, met: ($ratio >= 6), per_pair: $ratios},
     f4_check_durations_ms: $f4_checks,
     sandbox_up_ms: $sandbox_ms, pg_10k_setup_ms: $setup_ms,
     gpg_5k: {median_ratio_large_small: $gpg5k_ratio, per_pair: $gpg5k_ratios, keyring_setup_ms: $gpg5k_setup_ms}}' >"$out.tmp"
mv -f "$out.tmp" "$out"

{
    printf '\n%-14s %10s %9s %9s %9s  %-22s %s\n' benchmark median_ms p90_ms min_ms rss_MiB target met
    jq -r '.benchmarks[] | [.name, .median_ms, .p90_ms, .min_ms, .peak_rss_mib,
        (if .target_ms then "<= \(.target_ms) ms, <= \(.target_rss_mib) MiB" else "(reference)" end),
        (if .target_ms then (if .met then "yes" else "no" end) else "-" end)] | @tsv' "$out" |
        while IFS=$'\t' read -r name median p90 min rss target met; do
            printf '%-14s %10.1f %9.1f %9.1f %9.1f  %-22s %s\n' "$name" "$median" "$p90" "$min" "$rss" "$target" "$met"
        done
    printf 'f4 speed-up    %sx  (median of %d per-pair ratios shell/preflight; target >= 6x: %s)\n' \
        "$ratio" "${#ratios[@]}" "$(jq -r 'if .f4_speedup.met then "yes" else "no" end' "$out")"
    printf 'gpg-5k / small %sx  (median of per-pair ratios: what %d more keys cost; keyring made in %s ms)\n' \
        "$GPG_5K_RATIO" "$GPG_KEYS" "$GPG_5K_SETUP_MS"
    printf 'runs per benchmark: %d after 1 warm-up · %d cores · load %s before, %s after\n' \
        "$runs" "$(nproc)" "$load_before" "$load_after"
    printf 'JSON: %s\n' "$out"
} 
