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

step "apt-get install ./$(basename "$deb")"
apt-get install -y -q "$deb" >/dev/null
[[ $(file /usr/bin/preflight) == *", stripped"* ]] || fail "/usr/bin/preflight is not stripped"
[[ $(stat -c '%U %a' /usr/share/preflight/rules/f4-backup.yaml) == 'root 644' ]] || fail "pack not root 0644"
man -w preflight >/dev/null || fail "man -w preflight"
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
    /usr/share/bash-completion/completions/preflight /usr/share/doc/preflight; do
    [[ ! -e $path ]] || fail "$path left after purge"
done
left=$(ls /usr/bin)
! grep -q preflight <<<"$left" || fail "something named preflight left in /usr/bin"
echo "package_test: ok"
