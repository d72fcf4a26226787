#!/usr/bin/env bash
# contrib/prometheus/preflight.rules.yml (README "Fleet", docs/fleet.md): `promtool check rules`
# accepts it and the README's copy of the alert, and `promtool test rules` shows its alerts fire as documented -- a closed gate after
# 15 minutes and not before, an open gate never, a textfile older than 3 hours after 15 minutes.
# Usage: tests/package/prometheus_rules_test.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
rules=$repo/contrib/prometheus/preflight.rules.yml
command -v promtool >/dev/null || { echo "prometheus_rules_test: promtool not found (apt-get install prometheus)"; exit 1; }
work=$(mktemp -d /tmp/preflight-promrules.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
promtool check rules "$rules"
# The README's copy of the alert ("Fleet") is a valid rule file too, and the same rule.
awk '/^```yaml$/ { block = ""; inside = 1; next } inside && /^```$/ { if (block ~ /PreflightGateClosed/) printf "%s", block; inside = 0; next }
     inside { block = block $0 "\n" }' "$repo/README.md" >"$work/readme.rules.yml"
grep -q 'expr: preflight_gate_open == 0' "$work/readme.rules.yml" || { echo "FAIL: no PreflightGateClosed rule in README.md"; exit 1; }
promtool check rules "$work/readme.rules.yml"
for line in 'expr: preflight_gate_open == 0' 'for: 15m' 'severity: warning'; do
    grep -qF -- "$line" "$rules" || { echo "FAIL: README's rule has '$line', $rules does not"; exit 1; }
done
cat >"$work/test.yml" <<YAML
rule_files: ["$rules"]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'preflight_gate_open{pack="f4-drift-audit",instance="db1:9100"}'
        values: '0x40'
      - series: 'preflight_gate_open{pack="f4-drift-audit",instance="db2:9100"}'
        values: '1x40'
    alert_rule_test:
      - eval_time: 14m
        alertname: PreflightGateClosed
        exp_alerts: []
      - eval_time: 16m
        alertname: PreflightGateClosed
        exp_alerts:
          - exp_labels: {severity: warning, pack: f4-drift-audit, instance: "db1:9100"}
            exp_annotations:
              summary: "preflight gate closed for pack f4-drift-audit on db1:9100"
              description: "The last preflight run of pack f4-drift-audit on db1:9100 did not pass. Its report is in /var/lib/preflight/ on the host; journalctl -u 'preflight-audit@*' shows what failed."
  - interval: 1m
    input_series:
      # Written at time 0, never again; db2's audit keeps running (its timestamp follows the clock).
      - series: 'preflight_run_timestamp_seconds{pack="f4-drift-audit",instance="db1:9100"}'
        values: '0x240'
      - series: 'preflight_run_timestamp_seconds{pack="f4-drift-audit",instance="db2:9100"}'
        values: '0+60x240'
    alert_rule_test:
      - eval_time: 3h10m
        alertname: PreflightAuditStale
        exp_alerts: []
      - eval_time: 3h20m
        alertname: PreflightAuditStale
        exp_alerts:
          - exp_labels: {severity: warning, pack: f4-drift-audit, instance: "db1:9100"}
            exp_annotations:
              summary: "no preflight audit of pack f4-drift-audit on db1:9100 for 3 hours"
              description: "The textfile of pack f4-drift-audit on db1:9100 is older than 3 hours. Check systemctl status 'preflight-audit@*' on the host."
YAML
promtool test rules "$work/test.yml"
echo "prometheus_rules_test: ok"
