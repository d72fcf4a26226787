#!/usr/bin/env bash
# The scheduled-audit units (packaging/systemd, docs/fleet.md): `systemd-analyze verify` is clean
# on an instance of each (no output, exit 0), the settings the docs promise are there, and the
# offline security review rates the service's exposure at most 2.0 ("OK"); its run writes the
# JSON report and the textfile with the right modes, and node_exporter reads the textfile
# through the link the unit makes.
# Usage: tests/package/systemd_units_test.sh PREFLIGHT_BINARY [UNIT_DIR]
#   UNIT_DIR (default: the repository's packaging/systemd) holds preflight-audit@.service and
#   preflight-audit@.timer. With the repository's copies, ExecStart's /usr/bin/preflight is
#   replaced by PREFLIGHT_BINARY (verify needs it to exist) and man pages are not looked up;
#   with a UNIT_DIR (the installed /lib/systemd/system) the files are verified as they are.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
binary=$(realpath -- "${1:?usage: systemd_units_test.sh PREFLIGHT_BINARY [UNIT_DIR]}")
units=${2:-$repo/packaging/systemd}
# shellcheck source=../sandbox/harness.sh
source "$repo/tests/sandbox/harness.sh"
work=$(mktemp -d /tmp/preflight-units.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
instance=f4-drift-audit
service=$work/preflight-audit@$instance.service
timer=$work/preflight-audit@$instance.timer
man=yes
installed=0
if (($# >= 2)); then
    installed=1
    cp "$units/preflight-audit@.service" "$service"
else
    sed "s#/usr/bin/preflight #$binary #" "$units/preflight-audit@.service" >"$service"
    man=no
fi
cp "$units/preflight-audit@.timer" "$timer"

verify() { # what unit...
    local what=$1 out code=0
    shift
    out=$(cd "$work" && systemd-analyze verify --man="$man" "$@" 2>&1) || code=$?
    if [[ $code == 0 && -z $out ]]; then pass "systemd-analyze verify $what: clean"; else fail "systemd-analyze verify $what: exit $code: $out"; fi
}
verify "the service" "$service"
verify "the timer" "$timer"
verify "both" "$service" "$timer"

has() { # what file line
    if grep -qxF -- "$3" "$2"; then pass "$1 has $3"; else fail "$1 lacks the line $3"; fi
}
for line in Type=oneshot User=preflight Group=preflight StateDirectory=preflight "SuccessExitStatus=1 2" \
    ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes NoNewPrivileges=yes CapabilityBoundingSet= \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" PrivateDevices=yes \
    "EnvironmentFile=-/etc/preflight/audit/%i.env"; do
    has service "$service" "$line"
done
for line in OnCalendar=hourly Persistent=true "WantedBy=timers.target"; do has timer "$timer" "$line"; done
grep -q '^RandomizedDelaySec=' "$timer" && pass "timer spreads the runs" || fail "timer has no RandomizedDelaySec"
exec_binary=$binary
((installed)) && exec_binary=/usr/bin/preflight
has service "$service" "ExecStart=$exec_binary run /etc/preflight/rules.d/%i.yaml --quiet --no-color -o /var/lib/preflight/%i.json -o /var/lib/preflight/%i.prom \$PREFLIGHT_ARGS"
# The service has no [Install]: only its timer starts it, and the package enables no timer.
if grep -q '^\[Install\]' "$service"; then fail "the service has an [Install] section"; else pass "the service has no [Install] section"; fi

# What systemd makes of the instance (its debug dump of the loaded unit): %i expanded.
dump=$(cd "$work" && SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man="$man" "$service" 2>&1 || true)
expanded="Command Line: $exec_binary run /etc/preflight/rules.d/$instance.yaml --quiet --no-color -o /var/lib/preflight/$instance.json -o /var/lib/preflight/$instance.prom"
if grep -qF -- "$expanded" <<<"$dump"; then pass "instance $instance: $expanded"; else fail "instance $instance: no '$expanded' in systemd's dump"; fi
if grep -qF -- "EnvironmentFile: -/etc/preflight/audit/$instance.env" <<<"$dump"; then
    pass "instance $instance: EnvironmentFile -/etc/preflight/audit/$instance.env"
else
    fail "instance $instance: EnvironmentFile is not -/etc/preflight/audit/$instance.env"
fi
has service "$service" "ExecStartPost=+-/bin/ln -sfT /var/lib/preflight/%i.prom /var/lib/prometheus/node-exporter/preflight_%i.prom"

exposure=$(cd "$work" && systemd-analyze security --offline=yes --man="$man" "$service" 2>/dev/null |
    sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
if [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
    pass "systemd-analyze security --offline: exposure $exposure <= 2.0"
else
    fail "systemd-analyze security --offline: exposure '$exposure' (expected <= 2.0)"
fi
# The service's run, by hand: its ExecStart arguments under its UMask=0077 with a small pack,
# into a stand-in for /var/lib/preflight, then its ExecStartPost link in a stand-in textfile
# directory, scraped by a real node_exporter (needs `-o PATH.prom`: skipped without it).
if ((installed == 0)); then
    state=$work/state textfiles=$work/node-exporter
    mkdir -m 0755 "$state" "$textfiles"
    cat >"$work/$instance.yaml" <<'YAML'
preflight: 1
pack: f4-drift-audit
checks:
  - id: hosts-file
    kind: file
    path: /etc/hosts
YAML
    code=0
    (umask 0077 && "$binary" run "$work/$instance.yaml" --quiet --no-color -o "$state/$instance.json" \
        -o "$state/$instance.prom") >"$work/run.out" 2>&1 || code=$?
    if [[ $code == 64 ]] && grep -q '\.prom' "$work/run.out"; then
        echo "note: $binary cannot write .prom yet: the run and the textfile link are not tested"
    else
        expect_eq "the unit's run: exit code" 0 "$code"
        expect_eq "the unit's run: JSON report mode" 600 "$(stat -c %a "$state/$instance.json" 2>&1)"
        expect_eq "the unit's run: textfile mode under UMask=0077" 644 "$(stat -c %a "$state/$instance.prom" 2>&1)"
        post=$(sed -n 's/^ExecStartPost=+-//p' "$service")
        post=${post//\/var\/lib\/preflight\//$state/}
        post=${post//\/var\/lib\/prometheus\/node-exporter\//$textfiles/}
        post=${post//%i/$instance}
        read -ra post_argv <<<"$post"
        "${post_argv[@]}"
        "${post_argv[@]}"  # the next run: the link is replaced, not an error
        expect_eq "ExecStartPost links the textfile" "$state/$instance.prom" "$(readlink "$textfiles/preflight_$instance.prom")"
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
            --collector.textfile --collector.textfile.directory="$textfiles" >"$work/node-exporter.log" 2>&1 &
        exporter=$!
        scrape=""
        for _ in $(seq 50); do
            scrape=$(curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null) && break
            sleep 0.1
        done
        kill "$exporter" && wait "$exporter" 2>/dev/null || true
        if grep -qx 'preflight_gate_open{pack="f4-drift-audit"} 1' <<<"$scrape"; then
            pass "node_exporter reads the textfile through the link"
        else
            fail "node_exporter does not show preflight_gate_open{pack=\"f4-drift-audit\"} 1"
        fi
        expect_eq "node_textfile_scrape_error" "node_textfile_scrape_error 0" "$(grep '^node_textfile_scrape_error' <<<"$scrape")"
    fi
fi
finish_test systemd_units_test
