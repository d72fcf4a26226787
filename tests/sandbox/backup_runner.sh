#!/usr/bin/env bash
# Stand-in for /var/lib/cutter/backup_runner.py (the runbook's O9 F4 artifact) on the sandbox
# host. Only `--selftest` is implemented, with the real runner's contract: fail closed, print the
# fingerprint as its last 8 characters only, write nothing, touch no database.
# sandbox.sh installs it as DIR/var/lib/cutter/backup_runner.
set -euo pipefail

fail() {
    printf 'SELFTEST: FAIL %s\n' "$1"
    exit 1
}

if [[ $# -ne 1 || $1 != --selftest ]]; then
    printf 'usage: %s --selftest\n' "${0##*/}" >&2
    exit 64
fi

fpr=${BACKUP_GPG_FPR:-}
[[ -n $fpr ]] || fail "required env var BACKUP_GPG_FPR is unset"
# A malformed value may be something secret pasted by mistake: show none of it.
[[ $fpr =~ ^[0-9A-F]{40}$ ]] || fail "BACKUP_GPG_FPR is not a 40-hex fingerprint (uppercase, no spaces)"
fpr_tail="…${fpr: -8}"

gpg_path=$(command -v gpg) || fail "gpg not found on PATH"
pg_dump_path=$(command -v pg_dump) || fail "pg_dump not found on PATH"

# An empty GNUPGHOME means gpg's default homedir, as it does for gpg itself.
homedir_args=()
if [[ -n ${GNUPGHOME:-} ]]; then
    homedir_args=(--homedir "$GNUPGHOME")
fi
# A selftest only reads: no dotlock files in the homedir, no automatic trustdb rewrite.
if ! key_lines=$("$gpg_path" --batch --no-tty "${homedir_args[@]}" --lock-never --no-auto-check-trustdb \
        --with-colons --list-keys -- "$fpr" 2>/dev/null); then
    fail "backup key $fpr_tail not found in the keyring (${GNUPGHOME:-default homedir})"
fi
# Field 12 of the pub record holds the key's overall capabilities; upper-case E = can encrypt.
capabilities=$(awk -F: '$1 == "pub" { print $12; exit }' <<<"$key_lines")
[[ $capabilities == *E* ]] || fail "backup key $fpr_tail has no usable encryption subkey"

backups_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/backups"
[[ -d $backups_dir && -w $backups_dir ]] || fail "backups dir $backups_dir missing or not writable"

printf 'SELFTEST: PASS\n'
printf '  gpg: %s\n  pg_dump: %s\n' "$gpg_path" "$pg_dump_path"
printf '  BACKUP_GPG_FPR: present (%s)\n' "$fpr_tail"
printf '  DB target: directus as cutter_exec (not contacted by the selftest)\n'
printf '  backups dir: %s\n  tables in scope: 9\n' "$backups_dir"
