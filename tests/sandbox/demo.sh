#!/usr/bin/env bash
# The demo: walks the runbook (../shared/seeds/000_2be66c4bd617aa69.txt) on a sandbox host with
# rules/f4-backup.yaml — the server as found (FAIL), after the operator's STEP 1-4 (FAIL: the two
# grants and the config drift), after the §5 grants and the §6 fix (PASS) — and then simulates the
# runbook's §7 first run (pg_dump as cutter_exec | gpg --encrypt, and the envelope) and verifies it
# with rules/f4-first-run.yaml (PASS), printing each report and leaving its JSON and Markdown files
# in OUTPUT_DIR. The sandbox is always torn down.
#
# Usage: tests/sandbox/demo.sh PREFLIGHT_BINARY [OUTPUT_DIR]   (OUTPUT_DIR default: ./preflight-demo)
# Each run's full command line is printed before it (the --var overrides included).
# Exit status: 0 when every step gave the expected exit code, 1 otherwise, 64 on bad usage.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SANDBOX=$SCRIPT_DIR/sandbox.sh
readonly SCRIPT_DIR REPO_ROOT SANDBOX
# PREFLIGHT_PACK: the gate pack to run (tests/package/package_test.sh runs the installed one);
# the first-run pack is the f4-first-run.yaml beside it.
readonly PACK=${PREFLIGHT_PACK:-rules/f4-backup.yaml}
FIRST_RUN_PACK=$(dirname -- "$PACK")/f4-first-run.yaml
readonly FIRST_RUN_PACK

# Step names: the sandbox state, or first-run (the §7 simulation on the fixed state).
readonly STATES=(initial operator fixed first-run)
readonly PACKS=("$PACK" "$PACK" "$PACK" "$FIRST_RUN_PACK")
readonly EXPECTED_EXIT=(1 1 0 0)
readonly HEADINGS=(
    "the server as the runbook found it (expect FAIL)"
    "after the operator package, STEP 1-4 (expect FAIL: the two missing grants and the config drift)"
    "after the §5 grants and the §6 config fix (expect PASS)"
    "the first run's backup, verified with the first-run pack (expect PASS)"
)
readonly DETAILS=(
    "runbook §3: no BACKUP_GPG_FPR, no backup key, 2 of 9 SELECT grants missing, stale config (O8B)"
    "BACKUP_GPG_FPR in the env file, backup key in the keyring; grants and config not yet fixed"
    "GRANT SELECT on verify_result and cut_change_set_affected_row; config at f111d4a / O10"
    "runbook §7: pg_dump as cutter_exec | gpg --encrypt to BACKUP_GPG_FPR, and its envelope"
)

die() {
    printf 'demo: %s\n' "$*" >&2
    exit 64
}

verdict_of() {
    case $1 in
    0) printf 'PASS' ;;
    1) printf 'FAIL' ;;
    2) printf 'ERROR: a check could not be evaluated' ;;
    64) printf 'bad command line' ;;
    65) printf 'invalid rule pack' ;;
    70) printf 'internal error' ;;
    *) printf 'exit %s' "$1" ;;
    esac
}

rule() { printf '%*s\n' 78 '' | tr ' ' '='; }

(($# >= 1 && $# <= 2)) || die "usage: tests/sandbox/demo.sh PREFLIGHT_BINARY [OUTPUT_DIR]"
binary=$1
[[ $binary == */* ]] || binary=$(command -v -- "$binary" || printf '%s' "$binary")
[[ -f $binary && -x $binary ]] ||
    die "no preflight binary at '$1' (build it first: cmake -S . -B build && cmake --build build)"
binary=$(cd -- "$(dirname -- "$binary")" && pwd -P)/$(basename -- "$binary")
out=${2:-./preflight-demo}
mkdir -p -- "$out"
out=$(cd -- "$out" && pwd -P)

sandbox=$(mktemp -d /tmp/pf.XXXXXX)
cleanup() {
    "$SANDBOX" down "$sandbox" ||
        printf 'demo: could not tear the sandbox down; run: %s down %s\n' "$SANDBOX" "$sandbox" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf 'Bringing up the sandbox host in %s ...\n' "$sandbox"
"$SANDBOX" up "$sandbox" initial
# The pack takes the database password from libpq's usual sources: here the sandbox's passfile.
unset PGPASSWORD
eval "$("$SANDBOX" env "$sandbox")"
var_args=()
while read -r flag assignment; do
    var_args+=("$flag" "$assignment")
done < <("$SANDBOX" vars "$sandbox")

cd -- "$REPO_ROOT"
unexpected=0
for i in "${!STATES[@]}"; do
    step=$((i + 1))
    state=${STATES[i]}
    step_args=("${var_args[@]}")
    if [[ $state == first-run ]]; then
        # Phase 4 of the first run, as backup_runner does it; it prints run_id and the baseline.
        first_run_vars=$("$SANDBOX" firstrun "$sandbox")
        while read -r flag assignment; do
            step_args+=("$flag" "$assignment")
        done <<<"$first_run_vars"
    elif [[ $step -ne 1 ]]; then
        "$SANDBOX" state "$sandbox" "$state"
    fi
    printf '\n'
    rule
    printf 'Step %d/%d: %s\n' "$step" "${#STATES[@]}" "${HEADINGS[i]}"
    printf '  %s\n' "${DETAILS[i]}"
    command_line=("$binary" run "${PACKS[i]}" "${step_args[@]}" -o "$out/$step-$state.json" -o "$out/$step-$state.md")
    printf '  $'
    printf ' %q' "${command_line[@]}"
    printf '\n'
    rule
    rm -f -- "$out/$step-$state.json" "$out/$step-$state.md"
    status=0
    "${command_line[@]}" || status=$?
    expected=${EXPECTED_EXIT[i]}
    if ((status == expected)); then
        printf '\nStep %d/%d: exit %d (%s), as expected.\n' "$step" "${#STATES[@]}" "$status" \
            "$(verdict_of "$status")"
    else
        printf '\nStep %d/%d: exit %d (%s) — UNEXPECTED: expected exit %d (%s).\n' "$step" \
            "${#STATES[@]}" "$status" "$(verdict_of "$status")" "$expected" "$(verdict_of "$expected")"
        unexpected=$((unexpected + 1))
    fi
done

printf '\n'
rule
printf 'Reports (JSON and Markdown of each step) in %s:\n' "$out"
for i in "${!STATES[@]}"; do
    for ext in json md; do
        file=$out/$((i + 1))-${STATES[i]}.$ext
        if [[ -f $file ]]; then
            printf '  %s\n' "$file"
        else
            printf '  %s (MISSING: preflight did not write it)\n' "$file"
            unexpected=$((unexpected + 1))
        fi
    done
done
if ((unexpected == 0)); then
    printf 'Demo complete: every step gave the expected verdict (FAIL, FAIL, PASS, PASS).\n'
else
    printf 'Demo finished with %d unexpected result(s); see above.\n' "$unexpected"
fi
rule
((unexpected == 0))
