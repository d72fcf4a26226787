#!/usr/bin/env bash
# The preflight benchmark (issue 7): brings the sandbox host up in state `fixed` and measures
# whole-process runs, as medians over N runs after one warm-up run each:
#   f4-preflight   preflight run rules/f4-backup.yaml $(sandbox.sh vars)
#   f4-shell       tests/bench/f4_shell.sh, the bash + psql + gpg + jq equivalent
#   f4-selftest    the pack's slowest unavoidable children, each alone, as the pack runs them:
#   f4-pg-dump     the runner's --selftest and `pg_dump --version` (Debian's pg_wrapper); the
#                  slower of the two in each round is the F4 floor
#                  The four run in turn (A,B,C,D,A,B,C,D...); the ratios are medians of per-round
#                  ratios: f4-preflight / floor (target <= 1.25) and f4-shell / f4-preflight
#   pg-10k         one pg_privileges check over a schema of 10,000 tables (expect_count 10000)
#   pg-100k        the same over 100,000 tables, alternating with psql-100k (the naive psql
#                  has_table_privilege one-liner): median of per-pair ratios, target <= 1
#   local-1000     a generated pack of 1,000 host-local checks (file, env_var, config_drift)
#   local-10k      the same pack at 10,000 checks, alternating with local-1000 (ratio: linearity)
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
readonly WIDE_SCHEMA=bench_wide WIDE_TABLES=10000 SUMMARY_REPORTS=1000

# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"

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
need_gnu_time

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

# --- measuring (timed, stats ... in lib.sh) -----------------------------------------------------
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

RATIOS=()  # one JSON object per ratio
# ratio_record NAME DESCRIPTION TARGET OPERATOR(<=|>=) PER_ROUND... (TARGET "": none)
ratio_record() {
    local name=$1 description=$2 target=${3:-null} op=$4
    shift 4
    RATIOS+=("$(jq -cn --arg name "$name" --arg description "$description" --arg op "$op" \
        --argjson median "$(median_of "$@")" --argjson target "$target" \
        --argjson per_round "[$(IFS=,; echo "$*")]" '
        {name: $name, description: $description, median: $median, target: $target, op: $op,
         met: (if $target == null then null elif $op == "<=" then $median <= $target
               else $median >= $target end),
         per_round: $per_round}')")
}

# --- 1. F4: preflight vs the shell equivalent and vs its floor, in turn -------------------------
F4=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}")
SHELL_F4=(bash "$HERE/f4_shell.sh" "${VARS[@]}")
# The children the pack cannot avoid, each alone with the environment the pack gives it
# (src/child_environment.hpp: a fixed PATH, HOME and the locale, plus the check's own `env:`).
var_of() { local v; for v in "${VARS[@]}"; do [[ $v == "$1="* ]] && { printf '%s' "${v#*=}"; return; }; done; die "sandbox.sh vars printed no $1=..."; }
backup_fpr=$(sed -n 's/^BACKUP_GPG_FPR=//p' "$(var_of env_file)")
[[ -n $backup_fpr ]] || die "the sandbox env file has no BACKUP_GPG_FPR"
CHILD_ENV=(env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$HOME" "LANG=${LANG:-C}")
SELFTEST=("${CHILD_ENV[@]}" "BACKUP_GPG_FPR=$backup_fpr" "GNUPGHOME=$(var_of gnupg_home)"
    "$(var_of runner_interpreter)" "$(var_of backup_runner)" --selftest)
PG_DUMP_VERSION=("${CHILD_ENV[@]}" pg_dump --version)
say "F4: warm-up, then $runs rounds of preflight, shell, selftest, pg_dump --version"
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
timed 0 "selftest (warm-up)" "${SELFTEST[@]}"
grep -q 'SELFTEST: PASS' "$WORK/stdout" || die "the runner's selftest does not print SELFTEST: PASS"
timed 0 "pg_dump --version (warm-up)" "${PG_DUMP_VERSION[@]}"
a_us=() a_kb=() b_us=() b_kb=() c_us=() c_kb=() d_us=() d_kb=() speedups=() floor_ratios=()
for ((i = 0; i < runs; i++)); do
    timed 0 "preflight F4" "${F4[@]}"
    a_us+=("$LAST_US") a_kb+=("$LAST_KB")
    timed 0 "f4_shell.sh" "${SHELL_F4[@]}"
    b_us+=("$LAST_US") b_kb+=("$LAST_KB")
    timed 0 "selftest" "${SELFTEST[@]}"
    c_us+=("$LAST_US") c_kb+=("$LAST_KB")
    timed 0 "pg_dump --version" "${PG_DUMP_VERSION[@]}"
    d_us+=("$LAST_US") d_kb+=("$LAST_KB")
    speedups+=("$(ratio "${b_us[-1]}" "${a_us[-1]}")")
    floor_ratios+=("$(ratio "${a_us[-1]}" "$(max_of "${c_us[-1]}" "${d_us[-1]}")")")
done
record f4-preflight "preflight run rules/f4-backup.yaml ($f4_count checks, sandbox state fixed)" "" 30 "${a_us[*]}" "${a_kb[*]}"
record f4-shell "tests/bench/f4_shell.sh: bash + psql + gpg + jq, same checks" "" "" "${b_us[*]}" "${b_kb[*]}"
record f4-selftest "the runner's --selftest alone, as the pack runs it" "" "" "${c_us[*]}" "${c_kb[*]}"
record f4-pg-dump "pg_dump --version alone (PATH's pg_dump: Debian's pg_wrapper)" "" "" "${d_us[*]}" "${d_kb[*]}"
ratio_record f4-floor "f4-preflight / the slower of f4-selftest and f4-pg-dump, per round" 1.25 "<=" "${floor_ratios[@]}"
ratio_record f4-speedup "f4-shell / f4-preflight, per round" 1 ">=" "${speedups[@]}"

# --- 2. one pg_privileges check over 10,000 tables ---------------------------------------------
# As the sandbox does: the superuser `postgres` over the cluster's socket, as the cluster's OS owner.
pg_bindir=$(cat "$SBX/.sandbox/pg_bindir" 2>/dev/null || dirname -- "$(command -v psql)")
as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }

# create_tables SCHEMA N: N tables (id integer, note text) in a new schema, SELECT granted to
# cutter_exec by default privileges, USAGE on the schema; sets SETUP_MS.
create_tables() {
    local schema=$1 tables=$2 start=$EPOCHREALTIME
    say "creating $tables tables in schema $schema"
    (cd "$SBX/pg" && as_owner "$pg_bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$SBX/pg/run" -p 5432 \
        -U postgres -d directus >/dev/null) <<SQL || die "could not create the $tables tables"
CREATE SCHEMA $schema;
GRANT USAGE ON SCHEMA $schema TO cutter_exec;
ALTER DEFAULT PRIVILEGES IN SCHEMA $schema GRANT SELECT ON TABLES TO cutter_exec;
-- Commit in batches: one transaction would hold every table's lock, beyond the lock table.
DO \$\$
BEGIN
  FOR i IN 1..$tables LOOP
    EXECUTE format('CREATE TABLE $schema.%I (id integer, note text)', 't' || lpad(i::text, 6, '0'));
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END
\$\$;
ANALYZE pg_catalog.pg_class;
SQL
    SETUP_MS=$(((10#${EPOCHREALTIME/./} - 10#${start/./}) / 1000))
}

# privileges_pack FILE SCHEMA N: one pg_privileges check over every table of SCHEMA: SELECT,
# none of INSERT, UPDATE, DELETE, TRUNCATE, not a superuser, N tables.
privileges_pack() {
    cat >"$1" <<YAML
preflight: 1
pack: bench-$2
title: SELECT on every table of a $3-table schema, and no write privilege
vars:
  db: ""
connections:
  bench:
    postgres: "\${var.db}"
checks:
  - id: select-grants
    kind: pg_privileges
    connection: bench
    role: cutter_exec
    schema: $2
    expect_count: $3
    privileges: [SELECT]
    forbid: [INSERT, UPDATE, DELETE, TRUNCATE]
    superuser: forbid
YAML
}

create_tables "$WIDE_SCHEMA" "$WIDE_TABLES"
setup_ms=$SETUP_MS
privileges_pack "$WORK/pg-10k.yaml" "$WIDE_SCHEMA" "$WIDE_TABLES"
PG10K=("$binary" run "$WORK/pg-10k.yaml" --var "db=$db_conninfo")
say "pg-10k: warm-up, then $runs runs"
timed 0 "pg-10k (warm-up)" "${PG10K[@]}"
us=() kb=()
for ((i = 0; i < runs; i++)); do
    timed 0 "pg-10k" "${PG10K[@]}"
    us+=("$LAST_US") kb+=("$LAST_KB")
done
record pg-10k "one pg_privileges check, schema of $WIDE_TABLES tables, SELECT + 4 forbidden + superuser" 100 30 "${us[*]}" "${kb[*]}"

# --- 2b. one pg_privileges check over 100,000 tables vs the psql one-liner, alternating ---------
# A schema of 100,000 tables, all granted as the pg-10k case grants them; pg-100k is preflight
# with the pg-10k rules (SELECT, 4 forbidden, superuser: forbid, expect_count), psql-100k the
# naive has_table_privilege query an operator would type, through the real psql binary on the
# same connection (cutter_exec, SCRAM, the sandbox's passfile). Run alternately (A,B,A,B...);
# the ratio is the median of per-pair ratios preflight/psql (target <= 1).
bench_pg_100k() {
    local schema=bench_huge tables=100000
    create_tables "$schema" "$tables"
    PG100K_SETUP_MS=$SETUP_MS
    privileges_pack "$WORK/pg-100k.yaml" "$schema" "$tables"
    local has="has_table_privilege('cutter_exec', c.oid"
    local naive="SELECT c.oid::regclass FROM pg_class c WHERE c.relnamespace = '$schema'::regnamespace"
    naive+=" AND c.relkind IN ('r','p') AND (NOT $has, 'SELECT') OR $has, 'INSERT')"
    naive+=" OR $has, 'UPDATE') OR $has, 'DELETE') OR $has, 'TRUNCATE'))"
    PAIR_A=("$binary" run "$WORK/pg-100k.yaml" --var "db=$db_conninfo")
    PAIR_B=("$pg_bindir/psql" -X -At "$db_conninfo" -c "$naive")
    say "pg-100k vs psql-100k: warm-up, then $runs alternating pairs"
    in_pairs pg-100k psql-100k
    [[ ! -s $WORK/stdout ]] || die "psql-100k names tables lacking a grant: $(head -n 3 "$WORK/stdout")"
    record pg-100k "one pg_privileges check, schema of $tables tables, SELECT + 4 forbidden + superuser" "" 32 "${A_US[*]}" "${A_KB[*]}"
    record psql-100k "psql -c: the naive has_table_privilege query over the same $tables tables" "" "" "${B_US[*]}" "${B_KB[*]}"
    ratio_record pg-100k-vs-psql "pg-100k / psql-100k, per pair" 1 "<=" "${PAIR_RATIOS[@]}"
}
bench_pg_100k

# --- 3. packs of 1,000 and 10,000 host-local checks, in turn ----------------------------------
# local_pack N NAME: a third file checks (exists, type, mode_max, one content regex), a third
# env_var checks (regex) over N/3 variables in 3 env files, a third config_drift checks (2 JSON
# pointers each) over N/3 JSON files. The pack is the directory $WORK/NAME.rules/, 1,000 checks
# per file (a rule file may hold at most 1 MiB); its files are under $WORK/NAME/.
local_pack() {
    local n=$1 name=$2 dir=$WORK/$2 i f k
    local n_env=$((n / 3)) n_conf=$((n / 3))
    local n_file=$((n - n_env - n_conf))
    mkdir -p "$dir/files" "$dir/conf" "$WORK/$name.rules"
    for ((i = 0; i < n_file; i++)); do
        printf 'name: service-%05d\nlisten: 127.0.0.1:%d\nlog_level: info\n' "$i" "$((20000 + i))" >"$dir/files/f$i.conf"
    done
    chmod 0640 "$dir"/files/*.conf
    for ((f = 0; f < 3; f++)); do
        for ((i = f; i < n_env; i += 3)); do
            printf 'APP_SETTING_%05d=%032x\n' "$i" "$((i * 7919 + 17))"
        done >"$dir/app$f.env"
    done
    for ((i = 0; i < n_conf; i++)); do
        printf '{"service": {"name": "svc-%05d", "port": %d, "enabled": true}, "tags": ["bench"]}\n' "$i" "$((30000 + i))" >"$dir/conf/c$i.json"
    done
    for ((k = 0; k < n; k++)); do
        if ((k % 1000 == 0)); then
            exec 3>"$WORK/$name.rules/part-$((k / 1000)).yaml"
            printf 'preflight: 1\npack: bench-%s-%d\ntitle: %d host-local checks\nchecks:\n' "$name" "$((k / 1000))" "$n" >&3
        fi
        if ((k < n_file)); then
            i=$k
            printf '  - id: file-%05d\n    kind: file\n    path: %s\n    type: file\n    mode_max: "0644"\n    contains: ["^listen: 127\\\\.0\\\\.0\\\\.1:%d$"]\n' \
                "$i" "$dir/files/f$i.conf" "$((20000 + i))" >&3
        elif ((k < n_file + n_env)); then
            i=$((k - n_file))
            printf '  - id: env-%05d\n    kind: env_var\n    name: APP_SETTING_%05d\n    file: %s\n    matches: "^[0-9a-f]{32}$"\n' \
                "$i" "$i" "$dir/app$((i % 3)).env" >&3
        else
            i=$((k - n_file - n_env))
            printf '  - id: conf-%05d\n    kind: config_drift\n    path: %s\n    format: json\n    expect:\n      /service/name: "svc-%05d"\n      /service/port: %d\n' \
                "$i" "$dir/conf/c$i.json" "$i" "$((30000 + i))" >&3
        fi
    done
    exec 3>&-
}
say "generating packs of 1,000 and 10,000 host-local checks"
local_pack 1000 local-1000
local_pack 10000 local-10k
PAIR_A=("$binary" run "$WORK/local-10k.rules")
PAIR_B=("$binary" run "$WORK/local-1000.rules")
say "local-10k, local-1000: warm-up, then $runs pairs"
in_pairs local-10k local-1000
record local-1000 "1,000 generated checks: 334 file, 333 env_var, 333 config_drift" 200 30 "${B_US[*]}" "${B_KB[*]}"
record local-10k "10,000 generated checks: 3,334 file, 3,333 env_var, 3,333 config_drift" 1000 64 "${A_US[*]}" "${A_KB[*]}"
ratio_record local-scaling "local-10k / local-1000, per pair (10 = linear)" 10 "<=" "${PAIR_RATIOS[@]}"

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
    local small_home="" v large_home=$WORK/gnupg-5k
    for v in "${VARS[@]}"; do [[ $v == gnupg_home=* ]] && small_home=${v#gnupg_home=}; done
    [[ -n $small_home ]] || die "sandbox.sh vars printed no gnupg_home=..."
    say "gpg-5k: generating a keyring of $GPG_KEYS keys (about a minute)"
    local gen_start=$EPOCHREALTIME
    bash "$HERE/gpg_keyring_5k.sh" "$small_home" "$large_home" "$GPG_KEYS" 2>"$WORK/gpg-5k.log" ||
        { cat "$WORK/gpg-5k.log" >&2; die "could not generate the $GPG_KEYS-key keyring"; }
    GPG_5K_SETUP_MS=$(((10#${EPOCHREALTIME/./} - 10#${gen_start/./}) / 1000))
    PAIR_A=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}" --var "gnupg_home=$large_home" --only 'backup-key-*')
    PAIR_B=("$binary" run "$ROOT/rules/f4-backup.yaml" "${VARS[@]}" --only 'backup-key-*')
    say "gpg-5k: warm-up, then $runs alternating pairs"
    in_pairs gpg-5k gpg-small
    record gpg-5k "F4 --only 'backup-key-*' (2 gpg_key checks + needs), keyring of 1 + $GPG_KEYS keys" 100 30 "${A_US[*]}" "${A_KB[*]}"
    record gpg-small "the same checks against the sandbox's keyring of 1 key" "" "" "${B_US[*]}" "${B_KB[*]}"
    ratio_record gpg-5k-vs-small "gpg-5k / gpg-small, per pair: what $GPG_KEYS more keys cost" "" "" "${PAIR_RATIOS[@]}"
}
GPG_5K_SETUP_MS=null
bench_gpg_5k

# --- report --------------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
results_json=$(printf '%s\n' "${RESULTS[@]}" | jq -s .)
ratios_json=$(printf '%s\n' "${RATIOS[@]}" | jq -s .)
f4_checks=$(jq -c '[.checks[] | {id, status, duration_ms}]' "$WORK/f4-report.json" 2>/dev/null || echo null)
jq -n --argjson results "$results_json" --argjson ratios "$ratios_json" --argjson f4_checks "$f4_checks" \
    --arg binary "$binary" --arg version "$("$binary" --version 2>/dev/null | head -n 1)" \
    --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
    --argjson cores "$(nproc)" --arg kernel "$(uname -sr)" \
    --arg load_before "$load_before" --arg load_after "$load_after" \
    --argjson quick "$quick" --argjson setup_ms "$setup_ms" --argjson sandbox_ms "$sandbox_ms" \
    --argjson pg100k_setup_ms "${PG100K_SETUP_MS:-null}" --argjson gpg5k_setup_ms "$GPG_5K_SETUP_MS" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    {schema: "preflight.bench/v2", date_utc: $date, quick: ($quick == 1), binary: $binary,
     version: $version,
     machine: {cpu: $cpu, cores: $cores, kernel: $kernel, loadavg_before: $load_before,
               loadavg_after: $load_after},
     benchmarks: $results, ratios: $ratios,
     f4_check_durations_ms: $f4_checks,
     sandbox_up_ms: $sandbox_ms, pg_10k_setup_ms: $setup_ms, pg_100k_setup_ms: $pg100k_setup_ms,
     gpg_5k_keyring_setup_ms: $gpg5k_setup_ms}' >"$out.tmp"
mv -f "$out.tmp" "$out"

{
    printf '\n%-14s %10s %9s %9s %9s  %-22s %s\n' benchmark median_ms p90_ms min_ms rss_MiB target met
    jq -r '.benchmarks[] | [.name, .median_ms, .p90_ms, .min_ms, .peak_rss_mib,
        ([(if .target_ms then "<= \(.target_ms) ms" else empty end),
          (if .target_rss_mib then "<= \(.target_rss_mib) MiB" else empty end)] | join(", ")
         | if . == "" then "(reference)" else . end),
        (if .target_ms or .target_rss_mib then (if .met then "yes" else "no" end) else "-" end)] | @tsv' "$out" |
        while IFS=$'\t' read -r name median p90 min rss target met; do
            printf '%-14s %10.1f %9.1f %9.1f %9.1f  %-22s %s\n' "$name" "$median" "$p90" "$min" "$rss" "$target" "$met"
        done
    printf '\n%-14s %8s  %-7s %s  %s\n' ratio median target met "what (median of per-round ratios, this run)"
    jq -r '.ratios[] | [.name, .median, (if .target then "\(.op) \(.target)" else "-" end),
        (if .target == null then "-" elif .met then "yes" else "no" end), .description] | @tsv' "$out" |
        while IFS=$'\t' read -r name median target met description; do
            printf '%-14s %8.2f  %-7s %-3s  %s\n' "$name" "$median" "$target" "$met" "$description"
        done
    printf 'runs per benchmark: %d after 1 warm-up · %d cores · load %s before, %s after\n' \
        "$runs" "$(nproc)" "$load_before" "$load_after"
    printf 'JSON: %s\n' "$out"
}
