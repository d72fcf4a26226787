#!/usr/bin/env bash
# Issue 15: what `preflight run -o DIR/NAME.prom` writes is what a real prometheus-node-exporter
# (Debian 12: 1.5.0) serves from its textfile collector. The exporter runs as the user
# `prometheus` (as Debian's unit runs it; `nobody` when that user does not exist) on a free
# loopback port with only the textfile collector; the test scrapes /metrics with curl:
#   1. a failing run: the preflight metrics with their values, node_textfile_scrape_error 0;
#   2. a passing run over the same file: replaced atomically, the gate now open;
#   3. the same metrics in a 0600 file: the exporter cannot read it (scrape error 1), which is
#      why a .prom file is written 0644.
# The trap always stops the exporter it started and removes the scratch directory.
# Usage: tests/reports/node_exporter_test.sh PREFLIGHT_BINARY
set -euo pipefail

binary=${1:?usage: node_exporter_test.sh PREFLIGHT_BINARY}
exporter=/usr/bin/prometheus-node-exporter

fail() {
    printf 'node_exporter_test: FAIL: %s\n' "$*" >&2
    exit 1
}
for tool in "$exporter" curl setpriv; do
    command -v "$tool" >/dev/null || fail "$tool is needed (scripts/install-deps: prometheus-node-exporter curl util-linux)"
done
user=prometheus
id -u "$user" >/dev/null 2>&1 || user=nobody

work=$(mktemp -d /tmp/pfnx.XXXXXX)
exporter_pid=
cleanup() {
    if [[ -n $exporter_pid ]]; then
        kill "$exporter_pid" 2>/dev/null || true
        wait "$exporter_pid" 2>/dev/null || true
    fi
    rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
textfiles=$work/textfile
mkdir -p "$textfiles"
chmod 0755 "$work" "$textfiles"

cat >"$work/pack.yaml" <<'YAML'
preflight: 1
pack: prom-node
checks:
  - id: etc-present
    kind: file
    path: /etc
    type: directory
  - id: marker-present
    kind: file
    path: /nonexistent/preflight-node-exporter-test
  - id: unresolved
    kind: file
    path: "${env.PREFLIGHT_NODE_EXPORTER_TEST_UNSET}"
    severity: warning
  - id: after-marker
    kind: file
    path: /etc
    needs: [marker-present]
YAML

# Starts the exporter on a free loopback port (a port another process took meanwhile makes it
# exit: another one is tried). Sets port and exporter_pid.
start_exporter() {
    local attempt
    for attempt in $(seq 1 20); do
        port=$((20000 + RANDOM % 40000))
        ss -Htln "sport = :$port" | grep -q . && continue
        setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups -- "$exporter" \
            --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
            --collector.textfile.directory="$textfiles" --web.disable-exporter-metrics \
            >"$work/exporter.log" 2>&1 &
        exporter_pid=$!
        local waited
        for waited in $(seq 1 300); do  # up to ~15 s on a loaded machine
            kill -0 "$exporter_pid" 2>/dev/null || break
            curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics" 2>/dev/null && return 0
            sleep 0.05
        done
        kill "$exporter_pid" 2>/dev/null || true
        wait "$exporter_pid" 2>/dev/null || true
        exporter_pid=
    done
    cat "$work/exporter.log" >&2
    fail "prometheus-node-exporter did not start on a loopback port"
}

scrape() { curl -fsS "http://127.0.0.1:$port/metrics" >"$work/scrape" || fail "scraping 127.0.0.1:$port failed"; }

expect_line() { # LINE: the scrape holds exactly this line
    grep -qxF -- "$1" "$work/scrape" || {
        grep -E '^(preflight|node_textfile)' "$work/scrape" >&2 || true
        fail "the scrape has no line '$1'"
    }
}

start_exporter

# 1. A failing run.
code=0
"$binary" run "$work/pack.yaml" -o "$textfiles/preflight.prom" >/dev/null 2>"$work/stderr" || code=$?
((code == 1)) || { cat "$work/stderr" >&2; fail "preflight run exited $code, expected 1"; }
[[ $(stat -c %a "$textfiles/preflight.prom") == 644 ]] || fail "the .prom file is not mode 0644"
scrape
expect_line 'node_textfile_scrape_error 0'
expect_line 'preflight_gate_open{pack="prom-node"} 0'
expect_line 'preflight_run_incomplete{pack="prom-node"} 0'
expect_line 'preflight_checks{pack="prom-node",status="pass"} 1'
expect_line 'preflight_checks{pack="prom-node",status="fail"} 1'
expect_line 'preflight_checks{pack="prom-node",status="error"} 1'
expect_line 'preflight_checks{pack="prom-node",status="skip"} 1'
# The exporter sorts labels by name.
expect_line 'preflight_check_status{check="etc-present",kind="file",pack="prom-node",severity="critical",status="pass"} 1'
expect_line 'preflight_check_status{check="etc-present",kind="file",pack="prom-node",severity="critical",status="fail"} 0'
expect_line 'preflight_check_status{check="marker-present",kind="file",pack="prom-node",severity="critical",status="fail"} 1'
expect_line 'preflight_check_status{check="unresolved",kind="file",pack="prom-node",severity="warning",status="error"} 1'
expect_line 'preflight_check_status{check="after-marker",kind="file",pack="prom-node",severity="critical",status="skip"} 1'
expect_line 'preflight_check_status{check="after-marker",kind="file",pack="prom-node",severity="critical",status="pass"} 0'
[[ $(grep -c '^preflight_check_status{' "$work/scrape") == 16 ]] || fail "expected 16 preflight_check_status series (4 checks x 4 statuses)"
grep -qE '^preflight_run_timestamp_seconds\{pack="prom-node"\} [0-9.e+]+$' "$work/scrape" ||
    fail "no preflight_run_timestamp_seconds in the scrape"
grep -qE '^preflight_run_duration_seconds\{pack="prom-node"\} [0-9.e+-]+$' "$work/scrape" ||
    fail "no preflight_run_duration_seconds in the scrape"
started=$(sed -n 's/^preflight_run_timestamp_seconds{pack="prom-node"} //p' "$work/scrape")
now=$(date +%s)
awk -v s="$started" -v n="$now" 'BEGIN { exit !(s + 0 <= n && s + 0 > n - 300) }' ||
    fail "preflight_run_timestamp_seconds $started is not within the last 5 minutes (now $now)"

# 2. A passing run replaces the file; nothing else is left in the directory.
"$binary" run "$work/pack.yaml" --only etc-present -o "$textfiles/preflight.prom" >/dev/null 2>"$work/stderr" ||
    { cat "$work/stderr" >&2; fail "preflight run --only etc-present did not open the gate"; }
[[ $(ls -A "$textfiles") == preflight.prom ]] || fail "the textfile directory holds more than preflight.prom: $(ls -A "$textfiles")"
scrape
expect_line 'node_textfile_scrape_error 0'
expect_line 'preflight_gate_open{pack="prom-node"} 1'
expect_line 'preflight_check_status{check="marker-present",kind="file",pack="prom-node",severity="critical",status="skip"} 1'

# 3. The exporter's user cannot read a 0600 file: the scrape says so.
install -m 0600 "$textfiles/preflight.prom" "$textfiles/private.prom"
scrape
expect_line 'node_textfile_scrape_error 1'
rm -f -- "$textfiles/private.prom"

printf 'node_exporter_test: PASS: node_exporter %s as %s on 127.0.0.1:%s served the preflight metrics\n' \
    "$("$exporter" --version 2>&1 | awk 'NR == 1 { print $3 }')" "$user" "$port"
