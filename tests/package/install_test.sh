#!/usr/bin/env bash
# `cmake --install` of a built tree: into a prefix, and with DESTDIR under /usr (the package's
# layout; the systemd units go to /lib/systemd/system). Checks every installed path and the modes
# the packs must have (0644: a rule file read as root must not be writable by group or others).
# Usage: tests/package/install_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d /tmp/preflight-install.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
failed=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then printf 'ok   %s\n' "$what"; else printf 'FAIL %s\n' "$what"; failed=1; fi
}
etc_before=$(ls -d /etc/preflight 2>/dev/null || true)

layout() {  # layout ROOT ETC UNITS
    local root=$1 etc=$2 units=$3
    check "$root/bin/preflight is executable" test -x "$root/bin/preflight"
    check "$root/bin/preflight runs" bash -c '"$1" --version | grep -q "^preflight "' _ "$root/bin/preflight"
    for pack in "$(dirname "$0")"/../../rules/*.yaml; do
        local installed=$root/share/preflight/rules/$(basename "$pack")
        check "$installed is the shipped pack" cmp -s "$pack" "$installed"
        check "$installed has mode 644" test "$(stat -c %a "$installed")" = 644
    done
    check "man page preflight(1)" test -s "$root/share/man/man1/preflight.1.gz"
    check "man page preflight-rules(5)" test -s "$root/share/man/man5/preflight-rules.5.gz"
    check "man -l renders preflight(1)" bash -c 'man -l "$1" 2>&1 | grep -q "preflight-rules(5)"' _ "$root/share/man/man1/preflight.1.gz"
    check "bash completion" grep -q '^complete -o filenames -F _preflight preflight$' \
        "$root/share/bash-completion/completions/preflight"
    check "docs" test -s "$root/share/doc/preflight/README.md" -a -s "$root/share/doc/preflight/rules.md"
    check "docs/fleet.md" test -s "$root/share/doc/preflight/fleet.md"
    check "examples: the Ansible playbook and the alert rules" test -s "$root/share/doc/preflight/examples/ansible/preflight.yml" \
        -a -s "$root/share/doc/preflight/examples/prometheus/preflight.rules.yml"
    for unit in preflight-audit@.service preflight-audit@.timer; do
        check "$units/$unit is the shipped unit" cmp -s "$(dirname "$0")/../../packaging/systemd/$unit" "$units/$unit"
        check "$units/$unit has mode 644" test "$(stat -c %a "$units/$unit")" = 644
    done
    check "copyright" grep -q '^License: Apache-2.0$' "$root/share/doc/preflight/copyright"
    check "$etc/preflight/rules.d is an empty directory" \
        bash -c '[[ -d $1 && -z $(ls -A "$1") && $(stat -c %a "$1") == 755 ]]' _ "$etc/preflight/rules.d"
}

cmake --install "$build" --prefix "$work/stage" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
layout "$work/stage" "$work/stage/etc" "$work/stage/lib/systemd/system"
DESTDIR=$work/dest cmake --install "$build" --prefix /usr >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
layout "$work/dest/usr" "$work/dest/etc" "$work/dest/lib/systemd/system"
check "nothing outside DESTDIR" test "$(ls -A "$work/dest")" = "$(printf 'etc\nlib\nusr')"
check "the real /etc untouched" test "$(ls -d /etc/preflight 2>/dev/null || true)" = "$etc_before"
exit $failed
