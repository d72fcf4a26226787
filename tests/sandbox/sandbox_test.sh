#!/usr/bin/env bash
# Tests the sandbox host on its own (no preflight binary needed): each state looks like the
# runbook says, state moves keep the key's fingerprint, and `down` leaves nothing running.
# Usage: tests/sandbox/sandbox_test.sh     exit 0 = all assertions held
set -euo pipefail

SANDBOX=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/sandbox.sh
readonly SANDBOX
failures=0

ok() { printf 'ok    %s\n' "$1"; }
not_ok() {
    printf 'FAIL  %s\n' "$1"
    failures=$((failures + 1))
}
expect_eq() { # description expected actual
    if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

dir=$(mktemp -d /tmp/pf.XXXXXX)
trap '"$SANDBOX" down "$dir" 2>/dev/null || true' EXIT

"$SANDBOX" up "$dir" 2>/dev/null
declare -A var
while read -r flag assignment; do
    expect_eq "vars line starts with --var" --var "$flag"
    var[${assignment%%=*}]=${assignment#*=}
done < <("$SANDBOX" vars "$dir")
expect_eq "vars names" \
    "backup_runner backups_dir config_file db env_file gnupg_home gpg_min_version pg_dump_min_version runner_interpreter" \
    "$(printf '%s\n' "${!var[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "env prints the passfile" "export PGPASSFILE=$dir/pgpass" "$("$SANDBOX" env "$dir")"
expect_eq "passfile mode" 600 "$(stat -c %a "$dir/pgpass")"
expect_eq "backups dir mode" 750 "$(stat -c %a "${var[backups_dir]}")"
expect_eq "gnupg home mode" 700 "$(stat -c %a "${var[gnupg_home]}")"
mapfile -t secrets < <("$SANDBOX" secrets "$dir")
expect_eq "three secrets (password, DIRECTUS_SECRET, fingerprint)" 3 "${#secrets[@]}"
fpr=${secrets[2]}

select_grants() {
    PGPASSFILE=$dir/pgpass PGPASSWORD='' psql -X -w "${var[db]}" -Atc \
        "SELECT count(*) FILTER (WHERE has_table_privilege('cutter_exec', c.oid, 'SELECT')) || '/' || count(*)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'cutter_governance' AND c.relkind IN ('r', 'p')"
}
selftest() {
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    env -i PATH="$PATH" GNUPGHOME="${var[gnupg_home]}" bash -c \
        'set -a; . "$1"; set +a; exec "$2" "$3" --selftest' _ \
        "${var[env_file]}" "${var[runner_interpreter]}" "${var[backup_runner]}" || true
}
key_listed() {
    gpg --batch --homedir "${var[gnupg_home]}" --list-keys "$fpr" >/dev/null 2>&1 && echo yes || echo no
}
config_field() {
    sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "${var[config_file]}"
}
fpr_lines() { grep -c '^BACKUP_GPG_FPR=' "${var[env_file]}" || true; }

check_state() { # state grants fpr_lines key selftest_line milestone
    "$SANDBOX" state "$dir" "$1" 2>/dev/null
    expect_eq "$1: SELECT grants of cutter_exec (passfile login)" "$2" "$(select_grants)"
    expect_eq "$1: BACKUP_GPG_FPR lines in the env file" "$3" "$(fpr_lines)"
    expect_eq "$1: backup key listed in the sandbox keyring" "$4" "$(key_listed)"
    expect_eq "$1: runner selftest" "$5" "$(selftest | head -n 1)"
    expect_eq "$1: milestone_of_record" "$6" "$(config_field milestone_of_record)"
}

check_state initial 7/9 0 no "SELFTEST: FAIL required env var BACKUP_GPG_FPR is unset" O8B
check_state operator 7/9 1 yes "SELFTEST: PASS" O8B
expect_eq "operator: fingerprint in the env file is the generated key's" \
    "BACKUP_GPG_FPR=$fpr" "$(grep '^BACKUP_GPG_FPR=' "${var[env_file]}")"
if grep -qF "$fpr" <<<"$(selftest)"; then not_ok "selftest prints the full fingerprint"; else ok "selftest shows no full fingerprint"; fi
expect_eq "selftest shows the last 8 only" "  BACKUP_GPG_FPR: present (…${fpr: -8})" "$(selftest | grep 'BACKUP_GPG_FPR:')"
check_state fixed 9/9 1 yes "SELFTEST: PASS" O10
expect_eq "fixed: deployed_source_commit" f111d4abd098bfd6653b157ea45a83e086c0a2fe "$(config_field deployed_source_commit)"
check_state initial 7/9 0 no "SELFTEST: FAIL required env var BACKUP_GPG_FPR is unset" O8B
check_state operator 7/9 1 yes "SELFTEST: PASS" O8B
expect_eq "the key survives state moves" "$fpr" "$("$SANDBOX" secrets "$dir" | sed -n 3p)"

# The §7 first run: only in the fixed state (it needs the two grants); a real encrypted dump and
# an envelope that describes it.
expect_true() { # description command...
    local description=$1
    shift
    if "$@"; then ok "$description"; else not_ok "$description"; fi
}
refused=$("$SANDBOX" firstrun "$dir" 2>&1 >/dev/null || true)
expect_true "firstrun refuses a state without the grants" grep -q "the first run needs the fixed state" <<<"$refused"
"$SANDBOX" state "$dir" fixed 2>/dev/null
expect_eq "firstrun prints the pack's run vars" "--var run_id=r-test.1" \
    "$("$SANDBOX" firstrun "$dir" r-test.1 2>/dev/null | head -n 1)"
expect_eq "firstrun-vars repeats them" "--var run_id=r-test.1" "$("$SANDBOX" firstrun-vars "$dir" | head -n 1)"
artifact=${var[backups_dir]}/r-test.1.sql.gpg
envelope=${var[backups_dir]}/r-test.1.envelope.json
expect_eq "envelope sha256 is the artifact's" "$(sha256sum "$artifact" | cut -d' ' -f1)" "$(jq -r .sha256 "$envelope")"
expect_eq "envelope size_bytes is the artifact's" "$(stat -c %s "$artifact")" "$(jq -r .size_bytes "$envelope")"
expect_eq "envelope gpg_fpr and artifact_ref" "$fpr $artifact" "$(jq -r '"\(.gpg_fpr) \(.artifact_ref)"' "$envelope")"
expect_true "the artifact is a public-key encrypted OpenPGP message" \
    bash -c 'gpg --batch --list-packets --homedir "$1" "$2" 2>/dev/null | grep -q "^:pubkey enc packet:"' _ "${var[gnupg_home]}" "$artifact"
dump=$(gpg --batch --no-tty --homedir "${var[gnupg_home]}" --decrypt "$artifact" 2>/dev/null || true)
expect_eq "the dump holds the 9 governance tables" 9 "$(grep -c '^CREATE TABLE cutter_governance\.' <<<"$dump")"

wrong=$(PGPASSFILE=/dev/null PGPASSWORD='wrong' psql -X -w "${var[db]}" -Atc 'select 1' 2>&1 || true)
expect_true "a wrong password is refused" grep -q "password authentication failed" <<<"$wrong"

# Start an agent for the sandbox home, as the gpg_key probe does, then tear down.
echo probe | gpg --batch --homedir "${var[gnupg_home]}" --trust-model always -e -r "$fpr" >/dev/null
pids_of_sandbox() { pgrep -f -- "$dir/" || true; }
expect_true "server and agent run while up" test -n "$(pids_of_sandbox)"
"$SANDBOX" down "$dir" 2>/dev/null
expect_eq "down leaves no process naming the sandbox" "" "$(pids_of_sandbox)"
expect_true "down removes the directory" test ! -e "$dir"
expect_true "down is idempotent" "$SANDBOX" down "$dir" 2>/dev/null

if ((failures == 0)); then echo "sandbox_test: all passed"; else echo "sandbox_test: $failures failed"; fi
((failures == 0))
