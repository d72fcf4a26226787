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

# Issue 16: the runbook's §7 first run, simulated on the fixed state (real pg_dump | gpg
# --encrypt, and the envelope), verified by rules/f4-first-run.yaml; then the evidence tampered.
run_first_run() { # name expected_exit expected_not_passed [extra args...]
    local name=first-run-$1 code=0
    "$binary" run rules/f4-first-run.yaml "${args[@]}" "${@:4}" -o "$out/$name.json" -o "$out/$name.md" \
        >"$out/$name.txt" 2>"$out/$name.err" || code=$?
    expect_eq "f4-first-run $1: exit code" "$2" "$code"
    expect_eq "f4-first-run $1: checks that did not pass" "$3" "$(jq -r \
        '[.checks[] | select(.status == "fail" or .status == "error") | .id] | sort | join(" ")' \
        "$out/$name.json" 2>/dev/null || echo "no report")"
}
run_first_run before-the-run 1 "rows-unchanged run-id-given"
mapfile -t first_run_vars < <("$SANDBOX" firstrun "$dir" 2>/dev/null)
first_args=()
for v in "${first_run_vars[@]}"; do first_args+=("${v%% *}" "${v#* }"); done
expect_eq "sandbox.sh firstrun prints run_id and the baseline" 4 "${#first_args[@]}"
run_first_run pass 0 "" "${first_args[@]}"
expect_eq "f4-first-run pass: every check passed" "0 0 0" \
    "$(jq -r '"\(.summary.fail) \(.summary.error) \(.summary.skip)"' "$out/first-run-pass.json")"
run_first_run no-baseline 1 "rows-unchanged" "${first_args[0]}" "${first_args[1]}"
if grep -q 'no baseline: pass --var rows_changed_baseline=N' "$out/first-run-no-baseline.txt"; then
    pass "f4-first-run without a baseline says how to take it"
else
    fail "f4-first-run without a baseline: $(cat "$out/first-run-no-baseline.txt")"
fi
backups=$(printf '%s\n' "${vars[@]}" | sed -n 's/^--var backups_dir=//p')
run_id=${first_args[1]#run_id=}
artifact=$backups/$run_id.sql.gpg
envelope=$backups/$run_id.envelope.json
saved=$(mktemp -d /tmp/pfsaved.XXXXXX)
cp -p "$artifact" "$envelope" "$saved/"
restore_first_run() { cp -p "$saved/$(basename "$artifact")" "$saved/$(basename "$envelope")" "$backups/"; }
write_envelope() { # artifact fingerprint
    printf '{"sha256": "%s", "size_bytes": %s, "gpg_fpr": "%s", "artifact_ref": "%s"}\n' \
        "$(sha256sum "$1" | cut -d' ' -f1)" "$(stat -c %s "$1")" "$2" "$1" >"$envelope"
}
backup_fpr=$(jq -r .gpg_fpr "$envelope")
jq -c '.size_bytes += 1' "$saved/$(basename "$envelope")" >"$envelope"
run_first_run envelope-size-tampered 1 "envelope-matches" "${first_args[@]}"
if grep -q "field 'size_bytes' is [0-9]*, but the artifact has [0-9]* bytes" "$out/first-run-envelope-size-tampered.txt"; then
    pass "f4-first-run names the tampered size"
else
    fail "f4-first-run envelope-size-tampered: $(cat "$out/first-run-envelope-size-tampered.txt")"
fi
restore_first_run
other_home=$(mktemp -d /tmp/pfgpg.XXXXXX)
gpg --batch --no-tty --homedir "$other_home" --pinentry-mode loopback --passphrase '' --quick-gen-key 'someone else <other@example.invalid>' \
    ed25519 sign never >/dev/null 2>&1
other_fpr=$(gpg --batch --homedir "$other_home" --list-keys --with-colons 2>/dev/null | awk -F: '/^fpr:/{print $10; exit}')
gpg --batch --no-tty --homedir "$other_home" --pinentry-mode loopback --passphrase '' --quick-add-key "$other_fpr" cv25519 encr never >/dev/null 2>&1
printf 'not the dump\n' | gpg --batch --no-tty --homedir "$other_home" --trust-model always --encrypt \
    --recipient "$other_fpr" --output - >"$artifact"
write_envelope "$artifact" "$backup_fpr"
run_first_run another-key 1 "artifact-encrypted-to-backup-key" "${first_args[@]}"
gnupg_home=$(printf '%s\n' "${vars[@]}" | sed -n 's/^--var gnupg_home=//p')
gpg --batch --no-tty --homedir "$gnupg_home" --export "$backup_fpr" 2>/dev/null |
    gpg --batch --no-tty --homedir "$other_home" --import >/dev/null 2>&1
printf 'the dump\n' | gpg --batch --no-tty --homedir "$other_home" --trust-model always --encrypt \
    --recipient "$backup_fpr" --recipient "$other_fpr" --output - >"$artifact"
write_envelope "$artifact" "$backup_fpr"
run_first_run extra-recipient 0 "artifact-no-other-recipient" "${first_args[@]}"
gpgconf --homedir "$other_home" --kill all >/dev/null 2>&1 || true
rm -rf -- "$other_home"
rm -f -- "$artifact"
run_first_run missing-artifact 1 "artifact-present" "${first_args[@]}"
restore_first_run
run_first_run restored 0 "" "${first_args[@]}"
# §8's disable path is pre-first-run: with a backup on disk, f4-disabled warns.
"$SANDBOX" state "$dir" initial 2>/dev/null
run_case initial-after-first-run f4-disabled 0 "no-backup-artifacts"
rm -rf -- "$saved"

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
