#!/usr/bin/env bash
# Integration test of the shipped packs against the sandbox host: each state gives the expected
# verdict, exit code and failing check ids; no secret of the sandbox appears in any output; every
# shipped pack validates. Usage: tests/sandbox/packs_test.sh PREFLIGHT_BINARY
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SANDBOX=$SCRIPT_DIR/sandbox.sh
binary=${1:?usage: packs_test.sh PREFLIGHT_BINARY}

# shellcheck source=harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh"

cd "$REPO_ROOT"
for pack in rules/*.yaml; do
    if "$binary" validate "$pack" >/dev/null; then pass "validate $pack"; else fail "validate $pack"; fi
done

dir=$(mktemp -d /tmp/pft.XXXXXX)
rmdir "$dir"
trap '"$SANDBOX" down "$dir" >/dev/null 2>&1 || true' EXIT
"$SANDBOX" up "$dir" initial 2>/dev/null
mapfile -t vars < <("$SANDBOX" vars "$dir")
args=()
for v in "${vars[@]}"; do args+=("${v%% *}" "${v#* }"); done
eval "$("$SANDBOX" env "$dir")"
unset PGPASSWORD
mapfile -t secrets < <("$SANDBOX" secrets "$dir")
out=$(mktemp -d /tmp/pfo.XXXXXX)
trap '"$SANDBOX" down "$dir" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

# state -> pack -> "exit code|sorted ids of checks that failed or errored"
run_case() { # state pack expected_exit expected_not_passed
    local state=$1 pack=$2 code=0 name
    name=$(basename "$pack" .yaml)-$state
    "$binary" run "rules/$pack.yaml" "${args[@]}" -o "$out/$name.json" -o "$out/$name.md" -o "$out/$name.xml" \
        >"$out/$name.txt" 2>"$out/$name.err" || code=$?
    expect_eq "$pack in state $state: exit code" "$3" "$code"
    local not_passed
    not_passed=$(jq -r '[.checks[] | select(.status == "fail" or .status == "error") | .id] | sort | join(" ")' \
        "$out/$name.json" 2>/dev/null || echo "no report")
    expect_eq "$pack in state $state: checks that did not pass" "$4" "$not_passed"
}

"$SANDBOX" state "$dir" initial 2>/dev/null
run_case initial f4-backup 1 "backup-fpr-set config-drift db-select-grants runner-selftest"
run_case initial f4-disabled 0 ""
"$SANDBOX" state "$dir" operator 2>/dev/null
run_case operator f4-backup 1 "config-drift db-select-grants"
run_case operator f4-drift-audit 1 "config-drift db-select-grants"
"$SANDBOX" state "$dir" fixed 2>/dev/null
run_case fixed f4-backup 0 ""
run_case fixed f4-drift-audit 0 ""
# Issue 12: a subset run is judged on what it selected; the checks left out never close the gate.
code=0
"$binary" run rules/f4-backup.yaml "${args[@]}" --only config-drift >"$out/only.txt" 2>"$out/only.err" || code=$?
expect_eq "f4-backup --only config-drift in state fixed: exit code" 0 "$code"

# The shipped packs' RE2 patterns on the real env file (issue 12): a passphrase in any case is
# found by (?i)passphrase, and an indented, exported fingerprint line still counts (\s*, \s+).
env_file=$(printf '%s\n' "${vars[@]}" | sed -n 's/^--var env_file=//p')
env_orig=$(mktemp /tmp/pfenv.XXXXXX)  # not in $out: it holds the sandbox's secrets
cp "$env_file" "$env_orig"
printf 'Backup_Gpg_PassPhrase=x\n' >>"$env_file"
run_case fixed f4-backup 1 "env-file-no-key-material"
cp "$env_orig" "$env_file"
sed -i 's/^BACKUP_GPG_FPR=/  export\tBACKUP_GPG_FPR =/' "$env_file"
"$binary" run rules/f4-disabled.yaml "${args[@]}" -o "$out/disabled-exported.json" >/dev/null 2>&1 || true
expect_eq "f4-disabled sees an indented, exported BACKUP_GPG_FPR line" fail \
    "$(jq -r '.checks[] | select(.id == "backup-fpr-absent") | .status' "$out/disabled-exported.json")"
cp "$env_orig" "$env_file"
rm -f "$env_orig"

grants=$(jq -r '.checks[] | select(.id == "db-select-grants") | .remedy' "$out/f4-backup-operator.json")
for table in verify_result cut_change_set_affected_row; do
    if grep -qF "GRANT SELECT ON cutter_governance.$table TO cutter_exec;" <<<"$grants"; then
        pass "operator remedy grants SELECT on $table"
    else
        fail "operator remedy grants SELECT on $table: remedy was [$grants]"
    fi
done
expect_eq "operator remedy holds exactly two GRANT lines" 2 "$(grep -c '^GRANT ' <<<"$grants" || true)"

for secret in "${secrets[@]}"; do
    [[ -n $secret ]] || continue
    if grep -rqF -- "$secret" "$out"; then fail "a sandbox secret (…${secret: -4}) appears in an output"; else pass "secret absent from every output"; fi
done

finish_test packs_test
