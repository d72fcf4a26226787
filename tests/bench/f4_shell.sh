#!/usr/bin/env bash
# The shell baseline of the F4 benchmark: what an operator would write with bash, psql, gpg and
# jq instead of `preflight run rules/f4-backup.yaml`. It checks the same things as the pack, in
# the pack's order, with the pack's `needs`, and exits like it: 0 every critical check passed,
# 1 one failed. It is written to be fast (one gpg listing for both key checks, one psql call for
# the connection and all privileges), so the benchmark compares against a fair opponent.
#
# Usage: f4_shell.sh [--var NAME=VALUE]...   (the same --var arguments as the pack; PGPASSFILE or
#                                              PGPASSWORD in the environment, as for the pack)
# Output: one line per check, "pass|fail|skip ID: detail". Secrets are never printed.
set -uo pipefail

declare -A var=(
    [env_file]=/opt/incomex/docker/.env
    [config_file]=/var/lib/cutter/orchestrator.config.json
    [backups_dir]=/var/lib/cutter/backups
    [backup_runner]=/var/lib/cutter/backup_runner.py
    [runner_interpreter]=python3
    [gnupg_home]=""
    [db]="host=/var/run/postgresql dbname=directus user=cutter_exec"
    [role]=cutter_exec
    [schema]=cutter_governance
    [table_count]=9
    [expected_commit]=f111d4abd098bfd6653b157ea45a83e086c0a2fe
    [expected_milestone]=O10
    [gpg_min_version]=2.4.4
    [pg_dump_min_version]=16
)
while (($#)); do
    case $1 in
    --var)
        [[ $# -ge 2 && $2 == *=* ]] || { echo "usage: $0 [--var NAME=VALUE]..." >&2; exit 64; }
        var[${2%%=*}]=${2#*=}
        shift 2
        ;;
    *) echo "usage: $0 [--var NAME=VALUE]..." >&2; exit 64 ;;
    esac
done

declare -A status=()
gate=0
# result ID pass|fail [detail] [warning]
result() {
    status[$1]=$2
    printf '%s %s: %s\n' "$2" "$1" "${3:-}"
    [[ $2 == pass || ${4:-} == warning ]] || gate=1
}
# needs ID... : true when every listed check passed; otherwise records a skip.
needs() {
    local self=$1 need
    shift
    for need in "$@"; do
        if [[ ${status[$need]:-} != pass ]]; then
            status[$self]=skip
            printf 'skip %s: needs %s\n' "$self" "$need"
            gate=1
            return 1
        fi
    done
}
# version_at_least ACTUAL MINIMUM
version_at_least() {
    [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1) == "$2" ]]
}
first_version() { grep -oE '[0-9]+(\.[0-9]+)+|[0-9]+' <<<"$1" | head -n 1; }

env_file=${var[env_file]}
gpg_args=(--batch --no-tty --with-colons)
[[ -n ${var[gnupg_home]} ]] && gpg_args+=(--homedir "${var[gnupg_home]}")

# --- the compose env file ------------------------------------------------------------------
if [[ -f $env_file ]]; then result env-file-present pass; else result env-file-present fail "$env_file"; fi

fpr=""
if needs backup-fpr-set env-file-present; then
    # Exactly one definition (compose syntax: optional `export `, optional quotes).
    mapfile -t defs < <(grep -E '^[[:space:]]*(export[[:space:]]+)?BACKUP_GPG_FPR[[:space:]]*=' "$env_file")
    if ((${#defs[@]} != 1)); then
        result backup-fpr-set fail "BACKUP_GPG_FPR is defined ${#defs[@]} times"
    else
        fpr=${defs[0]#*=}
        fpr=${fpr#\"}; fpr=${fpr%\"}; fpr=${fpr#\'}; fpr=${fpr%\'}
        if [[ $fpr =~ ^[0-9A-F]{40}$ ]]; then
            result backup-fpr-set pass "…${fpr: -8}"
        else
            result backup-fpr-set fail "BACKUP_GPG_FPR is not a 40-hex fingerprint"
        fi
    fi
fi

if needs env-file-no-key-material env-file-present; then
    if lines=$(grep -n -i -e passphrase -e '-----BEGIN PGP PRIVATE KEY BLOCK-----' "$env_file" | cut -d: -f1 | paste -sd,); [[ -n $lines ]]; then
        result env-file-no-key-material fail "lines $lines"
    else
        result env-file-no-key-material pass
    fi
fi

# --- tools -----------------------------------------------------------------------------------
check_tool() { # ID PROGRAM MINIMUM
    local out version
    if ! out=$("$2" --version 2>&1); then result "$1" fail "$2 not runnable"; return; fi
    version=$(first_version "$out")
    if version_at_least "$version" "$3"; then result "$1" pass "$2 $version"
    else result "$1" fail "$2 $version < $3"; fi
}
check_tool gpg-installed gpg "${var[gpg_min_version]}"
check_tool pg-dump-installed pg_dump "${var[pg_dump_min_version]}"
if command -v -- "${var[runner_interpreter]}" >/dev/null; then
    result runner-interpreter-installed pass
else
    result runner-interpreter-installed fail "${var[runner_interpreter]} not on PATH"
fi

# --- runner and backups directory ------------------------------------------------------------
if [[ -f ${var[backup_runner]} ]]; then result backup-runner-present pass; else result backup-runner-present fail; fi

dir=${var[backups_dir]}
if [[ ! -d $dir ]]; then
    result backups-dir-ready fail "$dir is not a directory"
elif [[ ! -w $dir ]]; then
    result backups-dir-ready fail "$dir is not writable"
elif (( 8#$(stat -c %a "$dir") & ~8#0750 )); then
    result backups-dir-ready fail "$dir mode $(stat -c %a "$dir") exceeds 0750"
else
    result backups-dir-ready pass
fi

# --- the backup key: one listing serves both key checks, then an encrypt probe --------------
if needs backup-key-usable backup-fpr-set; then
    if ! listing=$(gpg "${gpg_args[@]}" --list-keys -- "$fpr" 2>/dev/null); then
        result backup-key-usable fail "key …${fpr: -8} not in the keyring"
    else
        # pub: field 2 validity (r/e/d/i = unusable), 10 fpr (on the fpr: record).
        # sub: field 2 validity, 7 expiry (epoch or empty), 12 capabilities.
        read -r primary_validity enc_expiry < <(awk -F: -v want="$fpr" '
            $1 == "pub" { pv = $2; inkey = 0; next }
            $1 == "fpr" && !seen { seen = 1; if ($10 == want) inkey = 1; next }
            $1 == "sub" && inkey && $2 !~ /[rei]/ && $12 ~ /e/ { e = ($7 == "" ? "never" : $7); if (best == "" || e == "never" || (best != "never" && e > best)) best = e }
            END { print (inkey ? pv : "missing"), (best == "" ? "none" : best) }' <<<"$listing")
        if [[ $primary_validity == missing ]]; then
            result backup-key-usable fail "…${fpr: -8} is not a primary key"
        elif [[ $primary_validity == [reid] ]]; then
            result backup-key-usable fail "key is revoked, expired, disabled or invalid ($primary_validity)"
        elif [[ $enc_expiry == none ]]; then
            result backup-key-usable fail "no valid encryption subkey"
        elif ! head -c 64 /dev/urandom | gpg "${gpg_args[@]}" --trust-model always --no-encrypt-to \
                --encrypt -r "$fpr" -o /dev/null 2>/dev/null; then
            result backup-key-usable fail "encrypt probe failed"
        else
            result backup-key-usable pass
        fi
    fi
fi
if needs backup-key-not-expiring backup-key-usable; then
    now=$(printf '%(%s)T' -1)
    if [[ $enc_expiry == never ]] || ((enc_expiry - now >= 30 * 86400)); then
        result backup-key-not-expiring pass
    else
        result backup-key-not-expiring fail "expires in $(((enc_expiry - now) / 86400)) days" warning
    fi
fi

# --- the runner's selftest, with the env file exported ---------------------------------------
if needs runner-selftest backup-runner-present runner-interpreter-installed; then
    # shellcheck source=/dev/null
    if out=$(set -a && . "$env_file" && set +a && GNUPGHOME=${var[gnupg_home]} \
            "${var[runner_interpreter]}" "${var[backup_runner]}" --selftest 2>&1) &&
        [[ $out == *"SELFTEST: PASS"* ]]; then
        result runner-selftest pass
    else
        result runner-selftest fail "selftest did not print SELFTEST: PASS"
    fi
fi

# --- the database: one psql call for the connection and every privilege ---------------------
# psql -v variables are quoted by psql itself (:'role'), so no value is spliced into the SQL.
if facts=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -F '|' -d "${var[db]}" \
        -v role="${var[role]}" -v schema="${var[schema]}" 2>/dev/null <<'SQL'
SELECT current_user, current_database(),
       (SELECT rolsuper FROM pg_roles WHERE rolname = :'role'),
       count(*),
       count(*) FILTER (WHERE has_table_privilege(:'role', c.oid, 'SELECT')),
       count(*) FILTER (WHERE has_table_privilege(:'role', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')),
       has_schema_privilege(:'role', :'schema', 'USAGE')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :'schema' AND c.relkind IN ('r', 'p');
SQL
); then
    IFS='|' read -r user database super total selectable writable usage <<<"$facts"
    if [[ $user == "${var[role]}" && $database == directus ]]; then
        result db-reachable pass
    else
        result db-reachable fail "connected as $user to $database"
    fi
else
    result db-reachable fail "cannot connect"
fi
if needs db-select-grants db-reachable; then
    if [[ $super != f ]]; then result db-select-grants fail "${var[role]} is superuser"
    elif ((total != 9)); then result db-select-grants fail "$total tables in ${var[schema]}, expected 9"
    elif [[ $usage != t ]] || ((selectable != total)); then
        result db-select-grants fail "SELECT on $selectable of $total tables"
    elif ((writable != 0)); then result db-select-grants fail "write privilege on $writable tables"
    else result db-select-grants pass; fi
fi

# --- config drift ----------------------------------------------------------------------------
if drift=$(jq -r --arg commit "${var[expected_commit]}" --arg milestone "${var[expected_milestone]}" '
        [ (if .deployed_source_commit != $commit then "/deployed_source_commit" else empty end),
          (if .milestone_of_record != $milestone then "/milestone_of_record" else empty end) ] | join(",")' \
        "${var[config_file]}" 2>/dev/null); then
    if [[ -z $drift ]]; then result config-drift pass; else result config-drift fail "drift in $drift"; fi
else
    result config-drift fail "cannot read ${var[config_file]} as JSON"
fi

exit "$gate"
