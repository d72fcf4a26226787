#!/usr/bin/env bash
# scripts/package run by a user who is not root and has no sudo says what it needs, exit 1,
# and touches nothing (run as root: it switches to `nobody`, with a PATH holding no sudo).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
bin=$(mktemp -d /tmp/preflight-nosudo.XXXXXX)
trap 'rm -rf -- "$bin"' EXIT
chmod 755 "$bin"
for tool in dirname id; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
status=0
err=$(runuser -u nobody -- env -i PATH="$bin" /bin/bash "$repo/scripts/package" 2>&1 >/dev/null) || status=$?
expected="package: needs root, or sudo, to install the build dependencies with apt-get; run it as root (or install sudo)"
if [[ $status == 1 && $err == "$expected" ]]; then
    echo "ok: exit 1: $err"
else
    echo "FAIL: exit $status, stderr: '$err' (expected exit 1: '$expected')"
    exit 1
fi
