#!/usr/bin/env bash
# Writes COUNT JSON reports for the `summary-1000` benchmark into OUTDIR (which must not exist):
# three real reports of a generated 15-check host-local pack (`preflight run -o`): ready,
# failing (config drift) and erroring (an env file that is missing), copied with varied host
# names: every 10th host failing, every 100th erroring, the rest ready. `preflight summary
# OUTDIR` then exits 2.
# Usage: tests/bench/summary_reports.sh PREFLIGHT_BINARY OUTDIR [COUNT]   (COUNT default 1000)
set -euo pipefail
export LC_ALL=C
(($# >= 2)) || { sed -n '/^# Usage:/s/^# //p' "${BASH_SOURCE[0]}" >&2; exit 64; }
binary=$1 out=$2 count=${3:-1000}
[[ -x $binary ]] || { echo "summary_reports: no preflight binary at $binary" >&2; exit 64; }
[[ ! -e $out ]] || { echo "summary_reports: $out exists" >&2; exit 64; }
work=$(mktemp -d /tmp/pfb-summary.XXXX)
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$out" "$work/files" "$work/reports"

for ((i = 0; i < 5; i++)); do printf 'listen: 127.0.0.1:%d\n' "$((20000 + i))" >"$work/files/f$i.conf"; done
chmod 0640 "$work"/files/*.conf
for ((i = 0; i < 5; i++)); do printf 'APP_SETTING_%d=%032x\n' "$i" "$((i * 7919 + 17))"; done >"$work/app.env"
printf '{"service": {"name": "svc", "port": 30000, "enabled": true}}\n' >"$work/good.json"
printf '{"service": {"name": "svc", "port": 30001, "enabled": false}}\n' >"$work/drifted.json"
{
    printf 'preflight: 1\npack: bench-fleet\ntitle: 15 host-local checks\n'
    printf 'vars:\n  env_file: %s\n  conf: %s\nchecks:\n' "$work/app.env" "$work/good.json"
    for ((i = 0; i < 5; i++)); do
        printf '  - id: file-%d\n    kind: file\n    path: %s\n    type: file\n    mode_max: "0644"\n    contains: ["^listen: "]\n' \
            "$i" "$work/files/f$i.conf"
    done
    for ((i = 0; i < 5; i++)); do
        printf '  - id: env-%d\n    kind: env_var\n    name: APP_SETTING_%d\n    file: "${var.env_file}"\n    matches: "^[0-9a-f]{32}$"\n' "$i" "$i"
    done
    for key in name port enabled; do
        printf '  - id: conf-%s\n    kind: config_drift\n    path: "${var.conf}"\n    format: json\n    expect:\n' "$key"
        case $key in
        name) printf '      /service/name: svc\n' ;;
        port) printf '      /service/port: 30000\n' ;;
        enabled) printf '      /service/enabled: true\n' ;;
        esac
    done
    printf '  - id: etc-dir\n    kind: file\n    path: /etc\n    type: directory\n'
    printf '  - id: tmp-dir\n    kind: file\n    path: /tmp\n    type: directory\n'
} >"$work/fleet.yaml"

run() { # EXPECTED NAME ARGS...
    local expected=$1 name=$2 rc=0
    shift 2
    "$binary" run "$work/fleet.yaml" -q -o "$work/reports/$name.json" "$@" >/dev/null 2>"$work/stderr" || rc=$?
    ((rc == expected)) || { cat "$work/stderr" >&2; echo "summary_reports: the $name run exited $rc, expected $expected" >&2; exit 1; }
}
run 0 ready
run 1 failing --var "conf=$work/drifted.json"
run 2 erroring --var "env_file=$work/missing.env"

ready=$(<"$work/reports/ready.json") failing=$(<"$work/reports/failing.json") erroring=$(<"$work/reports/erroring.json")
host=$(sed -n 's/^  "host": "\(.*\)",$/\1/p' "$work/reports/ready.json")
[[ -n $host ]] || { echo "summary_reports: no host line in the report" >&2; exit 1; }
for ((i = 1; i <= count; i++)); do
    if ((i % 100 == 0)); then report=$erroring; elif ((i % 10 == 0)); then report=$failing; else report=$ready; fi
    printf -v name 'host-%04d.example.org' "$i"
    printf '%s\n' "${report/"\"host\": \"$host\""/"\"host\": \"$name\""}" >"$out/$name.json"
done
