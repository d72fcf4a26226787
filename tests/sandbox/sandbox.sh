#!/usr/bin/env bash
# The sandbox host: a throwaway replica, under one directory, of the server in the runbook
# (../shared/seeds/000_2be66c4bd617aa69.txt), used by the demo, the integration tests and the
# benchmarks. It holds a PostgreSQL cluster (database directus, schema cutter_governance with 9
# tables, the least-privilege role cutter_exec), a GnuPG home, the compose env file, the
# orchestrator config, the backups directory and a stand-in backup runner, in one of three states:
#   initial   the runbook's §3: no BACKUP_GPG_FPR, no backup key, 7 of 9 SELECT grants, stale config
#   operator  after STEP 1-4: fingerprint in the env file, keypair in the keyring; grants and
#             config still as in initial
#   fixed     after §5 (the two GRANTs) and §6 (config drift fixed)
# and, in the fixed state, the runbook's §7 first run can be simulated: a real pg_dump of the
# governance schema as cutter_exec (its passfile) piped into gpg --encrypt to the backup key,
# BACKUPS_DIR/<run_id>.sql.gpg, and its envelope <run_id>.envelope.json
# {sha256, size_bytes, gpg_fpr, artifact_ref}, as backup_runner writes them.
#
# Usage:
#   sandbox.sh up DIR [initial|operator|fixed]   build it (default: initial); DIR absent or empty
#   sandbox.sh state DIR initial|operator|fixed  move an up sandbox to a state (fast)
#   sandbox.sh vars DIR                          the `--var NAME=VALUE` arguments, one per line
#   sandbox.sh firstrun DIR [RUN_ID]             simulate the first run (fixed state only; RUN_ID
#                                                default o11-first-run-0001); prints the extra
#                                                `--var` lines rules/f4-first-run.yaml needs
#                                                (run_id, rows_changed_baseline)
#   sandbox.sh firstrun-vars DIR                 those lines again, for the last first run
#   sandbox.sh env DIR                           `export NAME=VALUE` lines the pack run needs
#   sandbox.sh secrets DIR                       every secret value of the sandbox, one per line
#                                                (for tests asserting that none leaks)
#   sandbox.sh down DIR                          stop everything and remove DIR (idempotent)
# Progress goes to stderr; stdout carries only what vars/env/secrets print.
#
# Secret values are random unless given to `up` (canary tests plant recognisable ones):
#   SANDBOX_ROLE_PASSWORD    cutter_exec's database password (one line: it goes into the passfile)
#   SANDBOX_DIRECTUS_SECRET  DIRECTUS_SECRET in the env file (may span lines)
#   SANDBOX_GPG_PASSPHRASE   when set, the env file also holds BACKUP_GPG_PASSPHRASE with this
#                            value: the runbook's forbidden mistake (may span lines)
# `secrets` prints a multi-line value as its lines.
set -euo pipefail

readonly STALE_COMMIT=cad989a7c7c37c1b042778f0b601a599a6d04ee3
readonly STALE_MILESTONE=O8B
readonly FIXED_COMMIT=f111d4abd098bfd6653b157ea45a83e086c0a2fe
readonly FIXED_MILESTONE=O10
readonly PG_PORT=5432
readonly DATABASE=directus
readonly SCHEMA=cutter_governance
readonly ROLE=cutter_exec
readonly ADMIN_ROLE=workflow_admin
# Unix socket paths are limited to 107 bytes; the longest one below DIR is
# DIR/.sandbox/keyhome/S.gpg-agent.browser.
readonly MAX_DIR_LENGTH=64
readonly MARKER=.preflight-sandbox
readonly GOVERNANCE_TABLES=(
    cut_run cut_change_set cut_change_set_affected_row verify_result gate_decision
    stop_invariant backup_artifact run_phase_event operator_ack
)
# The two grants the runbook's §5 says are still missing.
readonly UNGRANTED_TABLES=(verify_result cut_change_set_affected_row)

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
readonly SCRIPT_DIR

say() { printf 'sandbox: %s\n' "$*" >&2; }
die() {
    printf 'sandbox: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '/^# Usage:/,/^# Progress/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 64
}

# --- paths -----------------------------------------------------------------------------------

# Sets the layout variables for the sandbox at absolute path $1.
set_layout() {
    SBX=$1
    META=$SBX/.sandbox
    PG_DIR=$SBX/pg
    PG_DATA=$PG_DIR/data
    PG_RUN=$PG_DIR/run
    PG_LOG=$PG_DIR/postgres.log
    PASSFILE=$SBX/pgpass
    GNUPG_HOME=$SBX/gnupg
    KEY_HOME=$META/keyhome
    ENV_FILE=$SBX/opt/incomex/docker/.env
    CUTTER_DIR=$SBX/var/lib/cutter
    CONFIG_FILE=$CUTTER_DIR/orchestrator.config.json
    BACKUPS_DIR=$CUTTER_DIR/backups
    RUNNER=$CUTTER_DIR/backup_runner.py
}

# The existing sandbox at $1, or exit with a message.
open_sandbox() {
    [[ -d $1 ]] || die "no sandbox at '$1' (run: sandbox.sh up $1)"
    set_layout "$(cd -- "$1" && pwd -P)"
    [[ -f $SBX/$MARKER ]] || die "'$SBX' is not a preflight sandbox (no $MARKER file)"
    PG_BINDIR=$(<"$META/pg_bindir")
}

# Characters that need no quoting in a conninfo, a passfile, an env file or a shell word.
check_dir_name() {
    [[ $1 =~ ^[A-Za-z0-9._/+-]+$ ]] ||
        die "sandbox directory '$1' may contain only letters, digits and . _ / + - (it goes into a libpq conninfo and socket paths)"
    ((${#1} <= MAX_DIR_LENGTH)) ||
        die "sandbox directory '$1' is ${#1} characters long; at most $MAX_DIR_LENGTH fit the unix socket paths below it. Use a short one, e.g. \$(mktemp -d /tmp/pf.XXXX)"
}

# --- PostgreSQL ------------------------------------------------------------------------------

find_pg_bindir() {
    local candidates=() dir
    if command -v pg_config >/dev/null 2>&1; then
        candidates+=("$(pg_config --bindir)")
    fi
    while IFS= read -r dir; do
        candidates+=("$dir")
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -t/ -k4,4 -rn)
    if command -v initdb >/dev/null 2>&1; then
        candidates+=("$(dirname -- "$(readlink -f -- "$(command -v initdb)")")")
    fi
    for dir in "${candidates[@]}"; do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres && -x $dir/psql ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    die "no PostgreSQL server binaries found (looked in pg_config --bindir, /usr/lib/postgresql/*/bin, PATH); install them: apt-get install postgresql"
}

# The OS user that owns the cluster: postgres refuses to run as root.
pg_owner() {
    if ((EUID == 0)); then printf 'postgres\n'; else id -un; fi
}

as_owner() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Runs SQL from stdin as the setup superuser `postgres` (peer authentication, mapped).
setup_sql() {
    local database=$1
    (cd "$PG_DIR" && as_owner "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" \
        -p "$PG_PORT" -U postgres -d "$database" >/dev/null)
}

server_running() {
    [[ -f $PG_DATA/postmaster.pid ]] &&
        (cd "$PG_DIR" && as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1)
}

create_cluster() {
    local owner
    owner=$(pg_owner)
    if ((EUID == 0)); then
        id -u postgres >/dev/null 2>&1 ||
            die "running as root needs the 'postgres' OS user to own the cluster (apt-get install postgresql creates it)"
    fi
    mkdir -p "$PG_DIR"
    chown "$owner:" "$PG_DIR"
    chmod 0700 "$PG_DIR"
    as_owner test -x "$PG_DIR" ||
        die "the '$owner' OS user cannot reach $PG_DIR: make $SBX and every parent directory traversable (chmod o+x), or use a directory under /tmp"
    say "initdb (PostgreSQL $(basename -- "$(dirname -- "$PG_BINDIR")")) as OS user $owner"
    (cd "$PG_DIR" && as_owner "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C \
        --no-sync --auth=reject) >"$META/initdb.log" 2>&1 ||
        die "initdb failed; see $META/initdb.log"
    as_owner mkdir -m 0755 "$PG_RUN"
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- preflight sandbox ---
listen_addresses = ''
unix_socket_directories = '$PG_RUN'
port = $PG_PORT
password_encryption = 'scram-sha-256'
max_connections = 50
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    # Setup connects as `postgres` through peer authentication of the cluster's OS owner only;
    # every other role must present its SCRAM password.
    cat >"$PG_DATA/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER      METHOD
local   all       postgres  peer map=sandbox_setup
local   all       all       scram-sha-256
EOF
    printf 'sandbox_setup  %s  postgres\n' "$owner" >"$PG_DATA/pg_ident.conf"
}

start_server() {
    say "starting PostgreSQL (socket in $PG_RUN)"
    (cd "$PG_DIR" && as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s start) ||
        die "PostgreSQL did not start; see $PG_LOG"
}

stop_server() {
    [[ -f $PG_DATA/postmaster.pid ]] || return 0
    say "stopping PostgreSQL"
    if (cd "$PG_DIR" && as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 -s stop) 2>/dev/null; then
        return 0
    fi
    (cd "$PG_DIR" && as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 -s stop) 2>/dev/null ||
        true
    # Last resort: the postmaster of this data directory, if its pid file still names one.
    local pid
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

sql_literal() {
    local escaped=${1//\'/\'\'}
    printf "'%s'" "$escaped"
}

# Escapes `\` and `:` for a ~/.pgpass field.
passfile_field() {
    local field=${1//\\/\\\\}
    printf '%s' "${field//:/\\:}"
}

create_database() {
    local password=$1 table granted=()
    for table in "${GOVERNANCE_TABLES[@]}"; do
        [[ " ${UNGRANTED_TABLES[*]} " == *" $table "* ]] || granted+=("$SCHEMA.$table")
    done
    say "creating database $DATABASE, schema $SCHEMA (${#GOVERNANCE_TABLES[@]} tables), roles $ROLE and $ADMIN_ROLE"
    setup_sql postgres <<EOF
CREATE ROLE $ADMIN_ROLE NOLOGIN;
CREATE ROLE $ROLE LOGIN PASSWORD $(sql_literal "$password");
CREATE DATABASE $DATABASE OWNER $ADMIN_ROLE;
EOF
    local IFS=,
    setup_sql "$DATABASE" <<EOF
REVOKE ALL ON DATABASE $DATABASE FROM PUBLIC;
GRANT CONNECT ON DATABASE $DATABASE TO $ROLE;
SET ROLE $ADMIN_ROLE;
CREATE SCHEMA $SCHEMA;
CREATE TABLE $SCHEMA.cut_run (run_id text PRIMARY KEY, started_utc timestamptz NOT NULL, phase text NOT NULL, status text NOT NULL);
CREATE TABLE $SCHEMA.cut_change_set (change_set_id text PRIMARY KEY, run_id text NOT NULL, created_utc timestamptz NOT NULL, summary text);
CREATE TABLE $SCHEMA.cut_change_set_affected_row (change_set_id text NOT NULL, table_name text NOT NULL, row_pk text NOT NULL, action text NOT NULL, PRIMARY KEY (change_set_id, table_name, row_pk));
CREATE TABLE $SCHEMA.verify_result (verify_id text PRIMARY KEY, run_id text NOT NULL, check_name text NOT NULL, passed boolean NOT NULL, detail jsonb);
CREATE TABLE $SCHEMA.gate_decision (gate_id text PRIMARY KEY, run_id text NOT NULL, gate text NOT NULL, decision text NOT NULL, decided_utc timestamptz NOT NULL);
CREATE TABLE $SCHEMA.stop_invariant (invariant_id text PRIMARY KEY, run_id text NOT NULL, name text NOT NULL, held boolean NOT NULL);
CREATE TABLE $SCHEMA.backup_artifact (artifact_ref text PRIMARY KEY, run_id text NOT NULL, sha256 text NOT NULL, size_bytes bigint NOT NULL, gpg_fpr_last8 text NOT NULL);
CREATE TABLE $SCHEMA.run_phase_event (event_id bigint PRIMARY KEY, run_id text NOT NULL, phase text NOT NULL, at_utc timestamptz NOT NULL);
CREATE TABLE $SCHEMA.operator_ack (ack_id text PRIMARY KEY, run_id text NOT NULL, operator text NOT NULL, acked_utc timestamptz NOT NULL);
INSERT INTO $SCHEMA.cut_run VALUES ('o8b-dryrun-0001', '2026-05-14T09:00:00Z', 'verify', 'complete');
INSERT INTO $SCHEMA.gate_decision VALUES ('g1', 'o8b-dryrun-0001', 'pre_write_backup', 'blocked', '2026-05-14T09:05:00Z');
GRANT USAGE ON SCHEMA $SCHEMA TO $ROLE;
GRANT SELECT ON ${granted[*]} TO $ROLE;
EOF
}

set_missing_grants() {
    local verb=$1 table targets=()
    for table in "${UNGRANTED_TABLES[@]}"; do targets+=("$SCHEMA.$table"); done
    local IFS=,
    if [[ $verb == grant ]]; then
        printf 'SET ROLE %s;\nGRANT SELECT ON %s TO %s;\n' "$ADMIN_ROLE" "${targets[*]}" "$ROLE"
    else
        printf 'SET ROLE %s;\nREVOKE SELECT ON %s FROM %s;\n' "$ADMIN_ROLE" "${targets[*]}" "$ROLE"
    fi | setup_sql "$DATABASE"
}

# --- GnuPG -----------------------------------------------------------------------------------

kill_agents() {
    local home
    for home in "$@"; do
        [[ -d $home ]] || continue
        gpgconf --homedir "$home" --kill all >/dev/null 2>&1 || true
    done
}

# Runbook STEP 1, fast for tests: no passphrase, ed25519 + cv25519 instead of default 4096-bit.
generate_backup_key() {
    command -v gpg >/dev/null 2>&1 || die "gpg not found on PATH (apt-get install gnupg)"
    say "generating the backup keypair (runbook STEP 1, unprotected test key)"
    mkdir -m 0700 "$KEY_HOME"
    if ! gpg --batch --no-tty --homedir "$KEY_HOME" --gen-key >"$META/keygen.log" 2>&1 <<'EOF'; then
%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: sign
Subkey-Type: ecdh
Subkey-Curve: cv25519
Subkey-Usage: encrypt
Name-Real: dot-iu-cutter backup
Name-Email: cutter-backup@incomexsaigoncorp.vn
Expire-Date: 2y
%commit
EOF
        kill_agents "$KEY_HOME"
        die "gpg key generation failed; see $META/keygen.log"
    fi
    # Runbook STEP 2.
    gpg --batch --no-tty --homedir "$KEY_HOME" --list-keys --with-colons 2>/dev/null |
        awk -F: '/^fpr:/{print $10; exit}' >"$META/backup_fpr"
    kill_agents "$KEY_HOME"
    [[ $(<"$META/backup_fpr") =~ ^[0-9A-F]{40}$ ]] || die "could not read the new key's fingerprint"
}

# Empties the sandbox's GnuPG home; with "with-key", fills it with the backup keypair (runbook
# STEP 4: the key in the keyring of the user running the first run). A no-op when already so.
set_keyring() {
    [[ $(cat "$META/keyring" 2>/dev/null) != "$1" ]] || return 0
    kill_agents "$GNUPG_HOME"
    find "$GNUPG_HOME" -mindepth 1 -delete
    if [[ $1 == with-key ]]; then
        find "$KEY_HOME" -mindepth 1 -maxdepth 1 ! -name 'S.*' -exec cp -a {} "$GNUPG_HOME/" \;
    fi
    printf '%s\n' "$1" >"$META/keyring"
}

# --- files -----------------------------------------------------------------------------------

write_env_file() {
    local with_fpr=$1
    {
        cat <<EOF
# docker compose environment of the incomex stack (preflight sandbox replica).
# The database password is not here: libpq reads it from the passfile.
COMPOSE_PROJECT_NAME=incomex
TZ=Asia/Ho_Chi_Minh
POSTGRES_DB=$DATABASE
POSTGRES_USER=$ADMIN_ROLE
DB_CLIENT=pg
DB_HOST=postgres
DB_PORT=5432
DB_DATABASE=$DATABASE
PUBLIC_URL=https://directus.incomexsaigoncorp.vn
LOG_LEVEL=info
DIRECTUS_SECRET=$(env_value "$(<"$META/directus_secret")")
EOF
        if [[ -f $META/gpg_passphrase ]]; then
            printf 'BACKUP_GPG_PASSPHRASE=%s\n' "$(env_value "$(<"$META/gpg_passphrase")")"
        fi
        if [[ $with_fpr == yes ]]; then
            # Runbook STEP 3: one appended line.
            printf 'BACKUP_GPG_FPR=%s\n' "$(<"$META/backup_fpr")"
        fi
    } >"$ENV_FILE.tmp"
    chmod 0640 "$ENV_FILE.tmp"
    mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

write_config() {
    local commit=$1 milestone=$2
    cat >"$CONFIG_FILE.tmp" <<EOF
{
  "schema_version": 3,
  "orchestrator": "dot-iu-cutter",
  "deployed_source_commit": "$commit",
  "milestone_of_record": "$milestone",
  "backup_runner": "/var/lib/cutter/backup_runner.py",
  "backups_dir": "/var/lib/cutter/backups",
  "governance_schema": "$SCHEMA",
  "tables_in_scope": ${#GOVERNANCE_TABLES[@]},
  "live_execution": false
}
EOF
    chmod 0644 "$CONFIG_FILE.tmp"
    mv -f "$CONFIG_FILE.tmp" "$CONFIG_FILE"
}

# $1 as an env-file value: as is when plain, else double-quoted with \\ \" \$ and \n escaped.
env_value() {
    local value=$1
    if [[ $value =~ ^[A-Za-z0-9._/+-]*$ ]]; then
        printf '%s' "$value"
        return
    fi
    value=${value//\\/\\\\}
    value=${value//\"/\\\"}
    value=${value//\$/\\\$}
    value=${value//$'\n'/\\n}
    printf '"%s"' "$value"
}

random_hex() {
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# --- commands --------------------------------------------------------------------------------

apply_state() {
    local state=$1
    case $state in
    initial)
        set_keyring empty
        write_env_file no
        write_config "$STALE_COMMIT" "$STALE_MILESTONE"
        set_missing_grants revoke
        ;;
    operator | fixed)
        set_keyring with-key
        write_env_file yes
        if [[ $state == operator ]]; then
            write_config "$STALE_COMMIT" "$STALE_MILESTONE"
            set_missing_grants revoke
        else
            write_config "$FIXED_COMMIT" "$FIXED_MILESTONE"
            set_missing_grants grant
        fi
        ;;
    *) die "unknown state '$state' (expected initial, operator or fixed)" ;;
    esac
    printf '%s\n' "$state" >"$META/state"
    local fpr_tail
    fpr_tail=$(tail -c 9 "$META/backup_fpr")
    case $state in
    initial) say "state initial: no BACKUP_GPG_FPR, no backup key, 7 of 9 SELECT grants, config at $STALE_MILESTONE" ;;
    operator) say "state operator: BACKUP_GPG_FPR=…$fpr_tail, backup key in keyring, 7 of 9 SELECT grants, config at $STALE_MILESTONE" ;;
    fixed) say "state fixed: BACKUP_GPG_FPR=…$fpr_tail, backup key in keyring, 9 of 9 SELECT grants, config at $FIXED_MILESTONE" ;;
    esac
}

# EXIT trap while `up` runs: whatever failed, leave nothing running and nothing behind.
abandon_up() {
    local status=$?
    trap - EXIT
    say "up failed; tearing down"
    teardown
    exit "$status"
}

cmd_up() {
    local dir=$1 state=${2:-initial}
    case $state in initial | operator | fixed) ;; *) die "unknown state '$state' (expected initial, operator or fixed)" ;; esac
    [[ $dir == /* ]] || dir=$PWD/$dir
    check_dir_name "$dir"
    if [[ -e $dir ]]; then
        [[ -d $dir ]] || die "'$dir' exists and is not a directory"
        [[ ! -e $dir/$MARKER ]] || die "a sandbox is already up in '$dir' (use 'state', or 'down' first)"
        [[ -z $(ls -A -- "$dir") ]] || die "'$dir' is not empty; give an empty or new directory"
    fi
    mkdir -p -- "$dir"
    set_layout "$(cd -- "$dir" && pwd -P)"
    check_dir_name "$SBX"
    : >"$SBX/$MARKER"
    trap abandon_up EXIT
    trap 'exit 130' INT TERM
    chmod 0711 "$SBX"
    mkdir -m 0700 "$META"
    PG_BINDIR=$(find_pg_bindir)
    printf '%s\n' "$PG_BINDIR" >"$META/pg_bindir"

    local password
    password=${SANDBOX_ROLE_PASSWORD:-"Sbx-$(random_hex 6) it's \"quoted\" back\\slash 100%25 \$HOME:#;"}
    [[ $password != *$'\n'* ]] || die "SANDBOX_ROLE_PASSWORD cannot span lines: it goes into a passfile"
    printf '%s\n' "$password" >"$META/role_password"
    printf '%s\n' "${SANDBOX_DIRECTUS_SECRET:-$(random_hex 24)}" >"$META/directus_secret"
    chmod 0600 "$META/role_password" "$META/directus_secret"
    if [[ -n ${SANDBOX_GPG_PASSPHRASE:-} ]]; then
        printf '%s\n' "$SANDBOX_GPG_PASSPHRASE" >"$META/gpg_passphrase"
        chmod 0600 "$META/gpg_passphrase"
    fi

    create_cluster
    start_server
    create_database "$password"
    printf '%s:%s:%s:%s:%s\n' "$(passfile_field "$PG_RUN")" "$PG_PORT" "$DATABASE" "$ROLE" \
        "$(passfile_field "$password")" >"$PASSFILE"
    chmod 0600 "$PASSFILE"

    generate_backup_key
    mkdir -m 0700 "$GNUPG_HOME"
    mkdir -p "$(dirname -- "$ENV_FILE")" "$CUTTER_DIR"
    mkdir -m 0750 "$BACKUPS_DIR"
    install -m 0755 "$SCRIPT_DIR/backup_runner.py" "$RUNNER"
    apply_state "$state"
    trap - EXIT INT TERM
    say "up in $SBX"
}

cmd_state() {
    open_sandbox "$1"
    # After a reboot or a crash the cluster is still there: start it again.
    server_running || start_server
    apply_state "$2"
}

cmd_vars() {
    open_sandbox "$1"
    local pg_major
    pg_major=$("$PG_BINDIR/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
    printf -- '--var %s\n' \
        "env_file=$ENV_FILE" \
        "config_file=$CONFIG_FILE" \
        "backups_dir=$BACKUPS_DIR" \
        "backup_runner=$RUNNER" \
        "runner_interpreter=python3" \
        "gnupg_home=$GNUPG_HOME" \
        "db=host=$PG_RUN port=$PG_PORT dbname=$DATABASE user=$ROLE" \
        "gpg_min_version=2.2" \
        "pg_dump_min_version=$pg_major"
}

# The governance tables' cumulative row writes (inserts + updates + deletes), as
# rules/f4-first-run.yaml's rows-unchanged check reads them; as the setup superuser.
governance_row_writes() {
    (cd "$PG_DIR" && as_owner "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_RUN" \
        -p "$PG_PORT" -U postgres -d "$DATABASE" -c \
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables WHERE schemaname = '$SCHEMA'")
}

# Runbook §7, Phase 4 (pre_write_backup), as backup_runner does it: pg_dump as the
# least-privilege role into gpg --encrypt to BACKUP_GPG_FPR, then the envelope. The baseline of
# the row-write counters is taken first, as the pack's docs tell the operator to.
cmd_firstrun() {
    open_sandbox "$1"
    local run_id=${2:-o11-first-run-0001}
    [[ $run_id =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
        die "run_id '$run_id' may contain only letters, digits and . _ - (it names files)"
    [[ $(cat "$META/state" 2>/dev/null) == fixed ]] ||
        die "the first run needs the fixed state (the two grants of §5): run 'sandbox.sh state $SBX fixed' first"
    server_running || start_server
    local fpr artifact envelope baseline
    fpr=$(<"$META/backup_fpr")
    artifact=$BACKUPS_DIR/$run_id.sql.gpg
    envelope=$BACKUPS_DIR/$run_id.envelope.json
    baseline=$(governance_row_writes) || die "could not read the row-write counters"
    say "first run $run_id: pg_dump -n $SCHEMA as $ROLE | gpg --encrypt -r …${fpr: -8}"
    rm -f -- "$artifact" "$envelope" "$artifact.tmp" "$envelope.tmp"
    if ! PGPASSFILE=$PASSFILE "$PG_BINDIR/pg_dump" --no-password -h "$PG_RUN" -p "$PG_PORT" \
        -U "$ROLE" -d "$DATABASE" -n "$SCHEMA" 2>"$META/firstrun.log" |
        gpg --batch --no-tty --homedir "$GNUPG_HOME" --trust-model always --encrypt \
            --recipient "$fpr" --output "$artifact.tmp" 2>>"$META/firstrun.log"; then
        rm -f -- "$artifact.tmp"
        kill_agents "$GNUPG_HOME"
        die "the first run's dump failed; see $META/firstrun.log"
    fi
    kill_agents "$GNUPG_HOME"
    chmod 0600 "$artifact.tmp"
    mv -f -- "$artifact.tmp" "$artifact"
    local sha256 size
    sha256=$(sha256sum -- "$artifact" | cut -d' ' -f1)
    size=$(stat -c %s -- "$artifact")
    printf '{"sha256": "%s", "size_bytes": %s, "gpg_fpr": "%s", "artifact_ref": "%s"}\n' \
        "$sha256" "$size" "$fpr" "$artifact" >"$envelope.tmp"
    chmod 0600 "$envelope.tmp"
    mv -f -- "$envelope.tmp" "$envelope"
    printf '%s\n' "$run_id" >"$META/run_id"
    printf '%s\n' "$baseline" >"$META/rows_changed_baseline"
    say "first run $run_id: $artifact ($size bytes) and its envelope written"
    cmd_firstrun_vars "$SBX"
}

cmd_firstrun_vars() {
    open_sandbox "$1"
    [[ -f $META/run_id ]] || die "no first run in this sandbox yet (run: sandbox.sh firstrun $SBX)"
    printf -- '--var %s\n' "run_id=$(<"$META/run_id")" \
        "rows_changed_baseline=$(<"$META/rows_changed_baseline")"
}

cmd_env() {
    open_sandbox "$1"
    printf 'export PGPASSFILE=%s\n' "$PASSFILE"
}

cmd_secrets() {
    open_sandbox "$1"
    local file
    for file in role_password directus_secret gpg_passphrase backup_fpr; do
        [[ ! -f $META/$file ]] || printf '%s\n' "$(<"$META/$file")"
    done
}

teardown() {
    if [[ -n ${PG_BINDIR:-} && -d ${PG_DATA:-} ]]; then
        stop_server
    fi
    kill_agents "$GNUPG_HOME" "$KEY_HOME"
    rm -rf -- "$SBX"
}

cmd_down() {
    local dir=$1
    if [[ ! -e $dir ]]; then
        say "nothing at '$dir'; already down"
        return 0
    fi
    set_layout "$(cd -- "$dir" && pwd -P)"
    [[ -f $SBX/$MARKER ]] || die "'$SBX' is not a preflight sandbox (no $MARKER file); not removing it"
    PG_BINDIR=$(cat "$META/pg_bindir" 2>/dev/null || true)
    teardown
    say "down: $SBX removed"
}

main() {
    (($# >= 2)) || usage
    local command=$1
    shift
    case $command in
    up) (($# <= 2)) || usage; cmd_up "$@" ;;
    state) (($# == 2)) || usage; cmd_state "$@" ;;
    vars) (($# == 1)) || usage; cmd_vars "$@" ;;
    env) (($# == 1)) || usage; cmd_env "$@" ;;
    firstrun) (($# <= 2)) || usage; cmd_firstrun "$@" ;;
    firstrun-vars) (($# == 1)) || usage; cmd_firstrun_vars "$@" ;;
    secrets) (($# == 1)) || usage; cmd_secrets "$@" ;;
    down) (($# == 1)) || usage; cmd_down "$@" ;;
    *) usage ;;
    esac
}

main "$@"
