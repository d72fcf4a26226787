#!/usr/bin/env bash
# CI of the Debian package (issue 14), as root on a Debian 12 machine: builds it with
# scripts/package (which runs lintian), installs it with apt-get, runs the installed
# /usr/bin/preflight with the installed pack against the sandbox host in the runbook's three
# states, checks the man pages and the bash completion, then purges the package and checks that
# nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "package_test: run as root (it installs and purges the package)" >&2; exit 1; }
step() { printf '\n== package_test: %s\n' "$*"; }
fail() { printf 'package_test: FAIL: %s\n' "$*" >&2; exit 1; }

step "scripts/package"
deb=$(scripts/package | tail -1)
[[ -f $deb && $(basename "$deb") =~ ^preflight_[0-9.]+_[a-z0-9]+\.deb$ ]] || fail "no .deb: '$deb'"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
[[ -n $depends && $depends != *-dev* ]] || fail "Depends must list runtime libraries only: '$depends'"
[[ $(dpkg-deb -f "$deb" Section) == admin ]] || fail "Section is not admin"
ls "$(dirname "$deb")"/preflight-dbgsym_*.ddeb >/dev/null || fail "no -dbgsym package"
contents=$(dpkg-deb -c "$deb")
grep -q ' ./etc/preflight/rules.d/$' <<<"$contents" || fail "the package does not own /etc/preflight/rules.d/"
for unit in preflight-audit@.service preflight-audit@.timer; do
    grep -q " ./lib/systemd/system/$unit\$" <<<"$contents" || fail "the package does not ship /lib/systemd/system/$unit"
done
[[ $depends == adduser,* ]] || fail "Depends does not start with adduser (the postinst creates the preflight user): '$depends'"

step "apt-get install ./$(basename "$deb")"
apt-get install -y -q "$deb" >/dev/null
[[ $(file /usr/bin/preflight) == *", stripped"* ]] || fail "/usr/bin/preflight is not stripped"
[[ $(stat -c '%U %a' /usr/share/preflight/rules/f4-backup.yaml) == 'root 644' ]] || fail "pack not root 0644"
man -w preflight >/dev/null || fail "man -w preflight"
step "the audit units and their system user (issue 15)"
user=$(getent passwd preflight) || fail "no system user preflight after install"
IFS=: read -r _ _ uid _ _ home shell <<<"$user"
((uid < 1000)) || fail "preflight is not a system user (uid $uid)"
[[ $home == /var/lib/preflight && $shell == /usr/sbin/nologin ]] || fail "preflight user: home $home, shell $shell"
[[ $(stat -c '%U %a' /var/lib/preflight) == 'preflight 755' ]] || fail "/var/lib/preflight is not preflight's, 0755"
bash tests/package/systemd_units_test.sh /usr/bin/preflight /lib/systemd/system || fail "the installed units"
! compgen -G '/etc/systemd/system/*.wants/preflight-audit@*' >/dev/null || fail "the package enabled an audit timer"
apt-get install -y -q --reinstall "$deb" >/dev/null || fail "reinstalling (the postinst is not idempotent)"
[[ $(getent passwd preflight) == "$user" ]] || fail "reinstalling changed the preflight user"
mkdir -p /var/lib/prometheus/node-exporter
ln -s /var/lib/preflight/package-test.prom /var/lib/prometheus/node-exporter/preflight_package-test.prom
ln -s /nowhere/else.prom /var/lib/prometheus/node-exporter/preflight_not-ours.prom
man -w 5 preflight-rules >/dev/null || fail "man -w 5 preflight-rules"
bash tests/package/completion_test.sh /usr/bin/preflight /usr/share/bash-completion/completions/preflight ||
    fail "the installed completion script"

step "with no RULES and the empty /etc/preflight/rules.d: exit 65"
status=0
/usr/bin/preflight run >/dev/null 2>&1 || status=$?
[[ $status == 65 ]] || fail "preflight run with an empty /etc/preflight/rules.d exited $status, not 65"

step "the installed preflight and packs against the sandbox host (FAIL, FAIL, PASS, PASS)"
out=$(mktemp -d /tmp/preflight-package-demo.XXXXXX)
PREFLIGHT_PACK=/usr/share/preflight/rules/f4-backup.yaml tests/sandbox/demo.sh /usr/bin/preflight "$out" ||
    fail "the installed preflight did not give FAIL, FAIL, PASS, PASS"
rm -rf -- "$out"

step "apt-get purge preflight"
apt-get purge -y -q preflight >/dev/null
for path in /usr/bin/preflight /usr/share/preflight /etc/preflight /usr/share/man/man1/preflight.1.gz \
    /usr/share/bash-completion/completions/preflight /usr/share/doc/preflight \
    /lib/systemd/system/preflight-audit@.service /lib/systemd/system/preflight-audit@.timer \
    /var/lib/preflight /var/lib/prometheus/node-exporter/preflight_package-test.prom; do
    [[ ! -e $path ]] || fail "$path left after purge"
done
left=$(ls /usr/bin)
! grep -q preflight <<<"$left" || fail "something named preflight left in /usr/bin"
[[ -L /var/lib/prometheus/node-exporter/preflight_not-ours.prom ]] || fail "purge removed a symlink that was not the audit's"
rm -f /var/lib/prometheus/node-exporter/preflight_not-ours.prom
echo "package_test: ok"
