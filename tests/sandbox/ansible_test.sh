#!/usr/bin/env bash
# contrib/ansible/preflight.yml against this machine as the only host (`-i localhost, -c local`,
# Debian's ansible-core) on the sandbox host, with the shipped rules/f4-drift-audit.yaml and the
# sandbox's --var values in preflight_vars -- the database password inside the `db` conninfo:
#   fixed state     the play succeeds (exit 0), localhost.json is fetched and ready, the summary
#                   says ready;
#   operator state  the play fails for the host (exit 2) naming preflight's exit code 1, and the
#                   report (not ready) was fetched all the same;
# and no secret of the sandbox appears in anything Ansible printed (run with -vvv).
# Usage: tests/sandbox/ansible_test.sh PREFLIGHT_BINARY
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SANDBOX=$SCRIPT_DIR/sandbox.sh
binary=$(realpath -- "${1:?usage: ansible_test.sh PREFLIGHT_BINARY}")
# shellcheck source=harness.sh
source "$SCRIPT_DIR/harness.sh"
command -v ansible-playbook >/dev/null || { echo "ansible_test: ansible-playbook not found (apt-get install ansible-core)"; exit 1; }

dir=$(mktemp -d /tmp/pfa.XXXXXX)  # short: the sandbox's socket paths live below it
rmdir "$dir"
work=$(mktemp -d /tmp/preflight-ansible.XXXXXX)
trap '"$SANDBOX" down "$dir" >/dev/null 2>&1 || true; [[ -n ${KEEP_WORK:-} ]] || rm -rf -- "$work"' EXIT
"$SANDBOX" up "$dir" fixed 2>/dev/null
mapfile -t secrets < <("$SANDBOX" secrets "$dir")
password=${secrets[0]}
# libpq's quoting of a conninfo value: in single quotes, \ and ' escaped with a backslash.
spelled=${password//\\/\\\\}
spelled="'${spelled//\'/\\\'}'"
secrets+=("$spelled")

# The playbook's extra vars: every `--var NAME=VALUE` of the sandbox as preflight_vars, the
# password in the db conninfo instead of a passfile.
"$SANDBOX" vars "$dir" | sed 's/^--var //' >"$work/vars.txt"
jq -n --rawfile lines "$work/vars.txt" --arg password "$spelled" --arg pack "$REPO_ROOT/rules/f4-drift-audit.yaml" \
    --arg reports "$work/reports" --arg binary "$binary" '{
        preflight_pack: $pack, preflight_reports_dir: $reports, preflight_binary: $binary,
        preflight_vars: ($lines | rtrimstr("\n") | split("\n") | map(capture("^(?<key>[^=]+)=(?<value>.*)$"))
                         | from_entries | .db += " password=" + $password)}' >"$work/vars.json"
chmod 0600 "$work/vars.json"
# The summary step needs `preflight summary` on the controller; a binary without it gets a stand-in
# that prints nothing, so that the rest of the playbook is still tested.
has_summary=0
if "$binary" summary --help >/dev/null 2>&1; then
    has_summary=1
else
    printf '#!/bin/sh\nexit 0\n' >"$work/no-summary"
    chmod 0755 "$work/no-summary"
    jq --arg stub "$work/no-summary" '.preflight_controller_binary = $stub' "$work/vars.json" >"$work/vars2.json"
    mv "$work/vars2.json" "$work/vars.json"
    echo "note: $binary has no 'summary' command: the summary step runs a stand-in"
fi

mkdir -m 0700 "$work/ansible" "$work/ansible/tmp" "$work/ansible/remote"
printf '[defaults]\n' >"$work/ansible/ansible.cfg"  # no ansible.cfg or ~/.ansible of the machine
playbook() { # name [ARG...]: runs the playbook, output in $work/name.out and .err, exit code in $code
    code=0
    (cd "$work" && env ANSIBLE_HOME="$work/ansible" ANSIBLE_LOCAL_TEMP="$work/ansible/tmp" \
        ANSIBLE_REMOTE_TEMP="$work/ansible/remote" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
        ANSIBLE_CONFIG="$work/ansible/ansible.cfg" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
        ansible-playbook -vvv -i localhost, -c local "$REPO_ROOT/contrib/ansible/preflight.yml" -e "@$work/vars.json" "${@:2}") \
        >"$work/$1.out" 2>"$work/$1.err" || code=$?
}

playbook fixed
expect_eq "fixed state: ansible-playbook exit code" 0 "$code"
((code == 0)) || { tail -40 "$work/fixed.out"; cat "$work/fixed.err"; }
expect_eq "fixed state: localhost.json fetched, verdict" PASS "$(jq -r .verdict "$work/reports/localhost.json" 2>&1)"
if ((has_summary)); then
    if grep -qF '1 report, 1 pack: 1 ready, 0 not ready, 0 unknown (exit 0)' "$work/fixed.out"; then
        pass "fixed state: the summary says ready"
    else
        fail "fixed state: no '1 report, 1 pack: 1 ready, 0 not ready, 0 unknown (exit 0)' in the output"
    fi
fi

"$SANDBOX" state "$dir" operator 2>/dev/null
playbook operator
expect_eq "operator state: ansible-playbook exit code (a host failed)" 2 "$code"
expect_eq "operator state: localhost.json fetched all the same, verdict" FAIL "$(jq -r .verdict "$work/reports/localhost.json" 2>&1)"
if grep -qF "preflight exited 1 (not ready) on localhost; report: $work/reports/localhost.json" "$work/operator.out"; then
    pass "operator state: the failure names preflight's exit code and the report"
else
    fail "operator state: no 'preflight exited 1 (not ready) on localhost; report: ...' in the output"
fi
if ((has_summary)); then
    if grep -qF '1 report, 1 pack: 0 ready, 1 not ready, 0 unknown (exit 1)' "$work/operator.out" &&
        grep -q 'config-drift' "$work/operator.out"; then
        pass "operator state: the summary says not ready, naming config-drift"
    else
        fail "operator state: no '1 report, 1 pack: 0 ready, 1 not ready, 0 unknown (exit 1)' naming config-drift in the output"
    fi
fi
expect_eq "the host's working directory was removed" "" "$(compgen -G '/tmp/preflight.*' | while read -r d; do [[ -e $d/report.json ]] && echo "$d"; done)"

# A host without preflight: the host fails with exit code 127, no report, no secret shown.
playbook missing -e preflight_binary=/nonexistent/preflight
expect_eq "missing binary: ansible-playbook exit code" 2 "$code"
if grep -qF "preflight exited 127 (preflight_binary not found or not executable) on localhost; no report; preflight said: cannot run /nonexistent/preflight: No such file or directory" "$work/missing.out"; then
    pass "missing binary: the failure says so"
else
    fail "missing binary: no 'preflight exited 127 ...' message"; grep -A3 'FAILED' "$work/missing.out" || true
fi

for secret in "${secrets[@]}"; do
    [[ -n $secret ]] || continue
    if grep -qF -- "$secret" "$work"/*.out "$work"/*.err "$work/reports"/*.json 2>/dev/null; then
        fail "a sandbox secret (…${secret: -4}) appears in Ansible's output or a report"
    else
        pass "a sandbox secret (…${secret: -4}) appears nowhere in Ansible's output or the reports"
    fi
done
finish_test ansible_test
