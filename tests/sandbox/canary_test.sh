#!/usr/bin/env bash
# Canary sweep (issue 8): the sandbox comes up with a recognisable canary in every secret slot
# (the role's database password, DIRECTUS_SECRET and a BACKUP_GPG_PASSPHRASE in the env file,
# the generated BACKUP_GPG_FPR, a --var whose name is secret), full of quotes, backslashes, %,
# $, spaces and, where the slot allows, line breaks. Every shipped pack runs in every state,
# with the password reaching libpq by each route (passfile, PGPASSWORD, conninfo password=),
# with every stdout format and every report file. Every output (stdout, stderr, each report)
# is searched for each canary in raw, shell-quoted, JSON-escaped, XML-escaped, URL-encoded and
# base64 form (the role password also as spelled in a conninfo),
# for each line of a multi-line canary and, for a long one, for all but its last 8 characters
# (the part redaction never shows). Any hit fails the test.
# Usage: tests/sandbox/canary_test.sh PREFLIGHT_BINARY
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SANDBOX=$SCRIPT_DIR/sandbox.sh
binary=${1:?usage: canary_test.sh PREFLIGHT_BINARY}

# One line (it goes into a passfile); long, so redaction would show its last 8 characters.
export SANDBOX_ROLE_PASSWORD="CnryPW it's \"dq\" back\\slash 100% \$HOME %41 :#; &<amp> t\`ick\` end-PW-7Q"
export SANDBOX_DIRECTUS_SECRET=$'CnryDS first "line" \\ $PATH 100% <x>&y\nCnryDS second \'line\' %2F $(id) end'
export SANDBOX_GPG_PASSPHRASE=$'CnryPP "a"\\b $c %d\nCnryPP2 \'e\' &f'
var_token='CnryVT "v" \a $t 100% x'

# shellcheck source=harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh"

dir=$(mktemp -d /tmp/pfc.XXXXXX)
rmdir "$dir"
out=$(mktemp -d /tmp/pfco.XXXXXX)
# A --var must name a declared variable: one more rule file declares the secret-named one.
token_rules=$(mktemp -d /tmp/pfct.XXXXXX)
printf 'preflight: 1\npack: canary\nvars:\n  sandbox_token: ""\nchecks: []\n' >"$token_rules/canary.yaml"
cleanup() {
    "$SANDBOX" down "$dir" >/dev/null 2>&1 || true
    rm -rf "$out" "$token_rules"
}
trap cleanup EXIT
"$SANDBOX" up "$dir" initial 2>/dev/null
mapfile -t vars < <("$SANDBOX" vars "$dir")
base_args=()
db_conninfo=
for v in "${vars[@]}"; do
    value=${v#* }
    if [[ $value == db=* ]]; then db_conninfo=${value#db=}; continue; fi
    base_args+=("${v%% *}" "$value")
done
eval "$("$SANDBOX" env "$dir")"
passfile=$PGPASSFILE
unset PGPASSWORD PGPASSFILE
backup_fpr=$(<"$dir/.sandbox/backup_fpr")

# The sandbox really holds the canaries.
# Captured first: `grep -q` leaves at the first match, and under pipefail the writer's SIGPIPE
# would fail the pipeline.
sandbox_secrets=$("$SANDBOX" secrets "$dir")
if grep -qF "CnryDS second" <<<"$sandbox_secrets"; then pass "sandbox took the canaries"; else fail "sandbox ignored the canaries"; fi

# conninfo single-quoted value: \ and ' escaped.
conninfo_quoted() {
    local value=${1//\\/\\\\}
    printf "'%s'" "${value//\'/\\\'}"
}

run_all() { # state pack route
    local state=$1 pack=$2 route=$3 name="$2-$1-$3" env=(env) args=("${base_args[@]}" --var "sandbox_token=$var_token")
    case $route in
    passfile) env+=("PGPASSFILE=$passfile"); args+=(--var "db=$db_conninfo") ;;
    pgpassword) env+=("PGPASSWORD=$SANDBOX_ROLE_PASSWORD" "PGPASSFILE=/nonexistent"); args+=(--var "db=$db_conninfo") ;;
    conninfo) env+=("PGPASSFILE=/nonexistent"); args+=(--var "db=$db_conninfo password=$(conninfo_quoted "$SANDBOX_ROLE_PASSWORD")") ;;
    esac
    local code=0
    "${env[@]}" "$binary" run "rules/$pack.yaml" "$token_rules/canary.yaml" "${args[@]}" -o "$out/$name.json" -o "$out/$name.md" \
        -o "$out/$name.xml" -o "$out/$name.txt" -o "$out/$name.prom" >"$out/$name.stdout" 2>"$out/$name.stderr" || code=$?
    ((code <= 2)) || fail "$name: exit $code"
    local formats=(json)
    [[ $route != passfile ]] || formats=(text json markdown junit prometheus)
    for format in "${formats[@]}"; do
        code=0
        "${env[@]}" "$binary" run "rules/$pack.yaml" "$token_rules/canary.yaml" "${args[@]}" -f "$format" >"$out/$name.$format.stdout" \
            2>"$out/$name.$format.stderr" || code=$?
        ((code <= 2)) || fail "$name -f $format: exit $code"
    done
}

cd "$REPO_ROOT"
for state in initial operator fixed; do
    "$SANDBOX" state "$dir" "$state" 2>/dev/null
    for pack in rules/*.yaml; do
        for route in passfile pgpassword conninfo; do
            run_all "$state" "$(basename "$pack" .yaml)" "$route"
        done
    done
done
# The password worked by every route (otherwise the sweep would prove little).
for route in passfile pgpassword conninfo; do
    status=$(jq -r '.checks[] | select(.id == "db-reachable") | .status' "$out/f4-backup-fixed-$route.json")
    if [[ $status == pass ]]; then pass "db-reachable passes by route $route"; else fail "db-reachable by route $route: $status"; fi
done
count=$(find "$out" -type f | wc -l)
pass "$count output files written"

# Every form of every canary, searched in every output file.
python3 - "$out" "$SANDBOX_ROLE_PASSWORD" "$SANDBOX_DIRECTUS_SECRET" "$SANDBOX_GPG_PASSPHRASE" "$var_token" \
    "$backup_fpr" <<'PYEOF' || failures=$((failures + 1))
import base64, json, os, sys, urllib.parse
from xml.sax.saxutils import escape

out, secrets = sys.argv[1], sys.argv[2:]
# The role password also travels as a conninfo single-quoted value (route conninfo): that
# spelling, backslashes and quotes escaped, must not show either (issue 13).
secrets.append(secrets[0].replace("\\", "\\\\").replace("'", "\\'"))

def encoded(text):
    forms = {"raw": text,
             "json": json.dumps(text, ensure_ascii=False)[1:-1],
             "json-ascii": json.dumps(text)[1:-1],
             "xml": escape(text, {'"': "&quot;", "'": "&apos;"}),
             "xml-numeric": escape(text, {'"': "&#34;", "'": "&#39;", "\n": "&#10;"}),
             "xml-text": escape(text),
             "prometheus": text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"),
             "url": urllib.parse.quote(text, safe=""),
             "url-plus": urllib.parse.quote_plus(text),
             # the command line shell-quotes each argument: ' becomes '\''
             "shell": text.replace("'", "'\\''")}
    data = text.encode()
    for shift in range(3):  # base64 at each alignment inside a longer encoded blob
        chunk = base64.b64encode(data[shift:]).decode().rstrip("=")
        forms["base64+%d" % shift] = chunk[:-4] if len(chunk) > 8 else chunk
    return forms

def pieces(secret):
    found = {"whole": secret}
    for number, line in enumerate(secret.split("\n")):
        if line != secret:
            found["line %d" % (number + 1)] = line
    if len(secret) >= 32:
        found["all but the last 8"] = secret[:-8]
    return found

needles = []
for index, secret in enumerate(secrets):
    for piece_name, piece in pieces(secret).items():
        for form_name, form in encoded(piece).items():
            if len(form) >= 8:
                needles.append(("canary %d, %s, %s" % (index + 1, piece_name, form_name), form.encode()))

hits = 0
for name in sorted(os.listdir(out)):
    content = open(os.path.join(out, name), "rb").read()
    for what, needle in needles:
        if needle in content:
            hits += 1
            print("FAIL  %s found in %s" % (what, name))
print("%s   %d forms of %d canaries searched in %d files, %d found" %
      ("ok" if hits == 0 else "FAIL", len(needles), len(secrets), len(os.listdir(out)), hits))
sys.exit(1 if hits else 0)
PYEOF

finish_test canary_test
