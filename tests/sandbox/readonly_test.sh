#!/usr/bin/env bash
# Read-only proof (issue 8): every shipped pack, run in every sandbox state with every report
# format, changes nothing on the sandbox host but the report files it was asked to write.
#
# Per state it snapshots, before and after the runs:
#   - every file and directory of the sandbox except the PostgreSQL cluster's own directory
#     (which the server rewrites on its own): path, type, mode, owner, size, mtime and ctime
#     with nanoseconds, and the sha256 of each regular file;
#   - the cluster's configuration files (postgresql.conf, postgresql.auto.conf, pg_hba.conf,
#     pg_ident.conf), hashed;
#   - the database, via psql as the sandbox superuser: the content of every table (hashed row
#     by row, so the comparison does not depend on statistics being flushed), the cumulative
#     counters of pg_stat_user_tables after the statistics of ended sessions are flushed
#     (PostgreSQL 15: a session flushes its counters when it ends; pg_stat_clear_snapshot()
#     drops the reader's cached copy), relations with their owners and ACLs, schemas, roles
#     (attributes, password hash digest, settings), databases and their ACLs, sequences;
#   - the GnuPG home: its files are in the tree above; its key listing is taken from a copy,
#     because gpg itself writes a trust database into a home it lists.
# Preflight runs with HOME set to an empty directory, which must stay empty, and from a working
# directory that must end up holding exactly the requested reports.
# preflight's own gpg runs list and encrypt in a private copy of the public keyring (gpg takes a
# dotlock in the homedir even to read, and writes random_seed after encrypting). The pack's
# `command` check runs the operator's own program, which the proof cannot vouch for: the
# sandbox's backup_runner reads its homedir with --lock-never for that reason.
# Usage: tests/sandbox/readonly_test.sh PREFLIGHT_BINARY
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SANDBOX=$SCRIPT_DIR/sandbox.sh
binary=${1:?usage: readonly_test.sh PREFLIGHT_BINARY}

# shellcheck source=harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh"

dir=$(mktemp -d /tmp/pfr.XXXXXX)
rmdir "$dir"
work=$(mktemp -d /tmp/pfrw.XXXXXX)
cleanup() {
    "$SANDBOX" down "$dir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
"$SANDBOX" up "$dir" initial 2>/dev/null
dir=$(cd -- "$dir" && pwd -P)
mapfile -t vars < <("$SANDBOX" vars "$dir")
args=()
for v in "${vars[@]}"; do args+=("${v%% *}" "${v#* }"); done
eval "$("$SANDBOX" env "$dir")"
unset PGPASSWORD GNUPGHOME

pg_bindir=$(<"$dir/.sandbox/pg_bindir")
superuser_sql() { # database sql: unaligned, tuples only, as the cluster's setup superuser
    local as=()
    ((EUID == 0)) && as=(runuser -u postgres --)
    (cd "$dir/pg" && "${as[@]}" "$pg_bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir/pg/run" -p 5432 \
        -U postgres -d "$1" -c "$2")
}

snapshot_files() {
    (cd "$dir" && find . -path ./pg -prune -o -printf '%p %y %M %U:%G %s %T@ %C@\n' | LC_ALL=C sort)
    (cd "$dir" && find . -path ./pg -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
    (cd "$dir/pg/data" && sha256sum postgresql.conf postgresql.auto.conf pg_hba.conf pg_ident.conf)
}

snapshot_database() {
    superuser_sql postgres "SELECT pg_stat_force_next_flush()" >/dev/null
    superuser_sql directus "
        SELECT pg_stat_clear_snapshot();
        SELECT 'stat', schemaname, relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup
          FROM pg_stat_user_tables ORDER BY 2, 3;
        SELECT 'rel', n.nspname, c.relname, c.relkind, c.relowner::regrole, c.relacl, c.relpersistence
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 2, 3;
        SELECT 'nsp', nspname, nspowner::regrole, nspacl FROM pg_namespace ORDER BY 2;
        SELECT 'seq', schemaname, sequencename, last_value FROM pg_sequences ORDER BY 2, 3;
        SELECT 'lo', count(*) FROM pg_largeobject_metadata;"
    local table
    while IFS= read -r table; do
        superuser_sql directus "SELECT 'rows', '$table', count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))
                                  FROM $table t"
    done < <(superuser_sql directus "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1")
    superuser_sql postgres "
        SELECT 'role', rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
               rolbypassrls, rolconnlimit, rolvaliduntil, md5(coalesce(rolpassword, ''))
          FROM pg_authid ORDER BY 2;
        SELECT 'member', roleid::regrole, member::regrole, admin_option FROM pg_auth_members ORDER BY 2, 3;
        SELECT 'setting', setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 2, 3;
        SELECT 'db', datname, datdba::regrole, datacl, datconnlimit, datallowconn FROM pg_database ORDER BY 2;"
}

snapshot_gnupg() { # the key listing of a copy of the home: listing the home itself would write to it
    local copy=$work/gnupg-copy
    rm -rf "$copy"
    cp -a "$dir/gnupg" "$copy"
    find "$copy" -name 'S.*' -delete
    gpg --batch --no-tty --homedir "$copy" --with-colons --fixed-list-mode --list-keys 2>/dev/null |
        grep -v '^tru:' || true
    gpgconf --homedir "$copy" --kill all >/dev/null 2>&1 || true
    rm -rf "$copy"
}

snapshot() { # file
    { snapshot_files; snapshot_database; snapshot_gnupg; } >"$1"
}

run_dir=$work/run
home_dir=$work/home
mkdir -p "$run_dir" "$home_dir" "$work/logs"
formats=(json md xml txt prom)
cd "$REPO_ROOT"
for state in initial operator fixed; do
    "$SANDBOX" state "$dir" "$state" 2>/dev/null
    snapshot "$work/before-$state"
    expected=()
    for pack in rules/*.yaml; do
        name=$(basename "$pack" .yaml)-$state
        outputs=()
        for ext in "${formats[@]}"; do
            outputs+=(-o "$run_dir/$name.$ext")
            expected+=("$name.$ext")
        done
        code=0
        (cd "$run_dir" && HOME=$home_dir "$binary" run "$REPO_ROOT/$pack" "${args[@]}" "${outputs[@]}" \
            >"$work/logs/$name.out" 2>"$work/logs/$name.err") || code=$?
        if ((code <= 2)); then pass "$name ran (exit $code)"; else fail "$name: exit $code: $(<"$work/logs/$name.err")"; fi
        for format in json markdown junit prometheus; do
            code=0
            (cd "$run_dir" && HOME=$home_dir "$binary" run "$REPO_ROOT/$pack" "${args[@]}" -f "$format" \
                >"$work/logs/$name.$format" 2>&1) || code=$?
            ((code <= 2)) || fail "$name -f $format: exit $code"
        done
        (cd "$run_dir" && HOME=$home_dir "$binary" validate "$REPO_ROOT/$pack" >/dev/null &&
            HOME=$home_dir "$binary" list "$REPO_ROOT/$pack" >/dev/null) || fail "$name: validate/list failed"
    done
    snapshot "$work/after-$state"
    if changes=$(diff "$work/before-$state" "$work/after-$state"); then
        pass "state $state: sandbox files, database and GnuPG home unchanged by every pack and format"
    else
        fail "state $state: the runs changed the sandbox:"$'\n'"$changes"
    fi
    actual=$(cd "$run_dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort)
    wanted=$(printf '%s\n' "${expected[@]}" | LC_ALL=C sort)
    if [[ $actual == "$wanted" ]]; then
        pass "state $state: the working directory holds exactly the requested reports"
    else
        fail "state $state: working directory: expected [$wanted], got [$actual]"
    fi
    rm -f "$run_dir"/*
done
# Issue 16: the first-run pack on the evidence of a simulated first run (the encrypted dump and
# its envelope): it reads them, the keyring and the statistics, and writes nothing either.
"$SANDBOX" state "$dir" fixed 2>/dev/null
mapfile -t first_run_vars < <("$SANDBOX" firstrun "$dir" 2>/dev/null)
first_args=("${args[@]}")
for v in "${first_run_vars[@]}"; do first_args+=("${v%% *}" "${v#* }"); done
snapshot "$work/before-first-run"
for ext in "${formats[@]}"; do
    code=0
    (cd "$run_dir" && HOME=$home_dir "$binary" run "$REPO_ROOT/rules/f4-first-run.yaml" "${first_args[@]}" \
        -o "$run_dir/first-run.$ext" >"$work/logs/first-run.$ext.out" 2>&1) || code=$?
    expect_eq "f4-first-run on the first run's evidence (-o .$ext): exit code" 0 "$code"
done
snapshot "$work/after-first-run"
if changes=$(diff "$work/before-first-run" "$work/after-first-run"); then
    pass "first run: sandbox files, database and GnuPG home unchanged by f4-first-run"
else
    fail "first run: f4-first-run changed the sandbox:"$'\n'"$changes"
fi
rm -f "$run_dir"/*

leftover=$(find "$home_dir" -mindepth 1 -printf '%P\n')
if [[ -z $leftover ]]; then pass "HOME was left empty"; else fail "HOME was written to: $leftover"; fi

finish_test readonly_test
