#!/usr/bin/env bash
# The bash completion of `preflight completion bash` (the installed script), driven the way bash
# drives it: COMP_WORDS/COMP_CWORD set, _preflight called, COMPREPLY compared.
# Usage: tests/package/completion_test.sh PREFLIGHT_BINARY [COMPLETION_SCRIPT]
# With COMPLETION_SCRIPT (e.g. the installed one) that file is tested instead of the generated one.
set -euo pipefail
binary=$(realpath -- "$1")
work=$(mktemp -d /tmp/preflight-completion.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
mkdir "$work/bin" "$work/rules"
ln -s "$binary" "$work/bin/preflight"
if (($# >= 2)); then script=$2; else script=$work/preflight.bash; "$binary" completion bash >"$script"; fi
cat >"$work/rules/site.yaml" <<'YAML'
preflight: 1
pack: site
checks:
  - id: etc-exists
    kind: file
    path: /etc
  - id: etc-hosts
    kind: file
    path: /etc/hosts
  - id: tmp-exists
    kind: file
    path: /tmp
YAML
failed=0
# expect "WORDS..." "EXPECTED COMPREPLY (sorted, space-separated)"; the last word is completed.
expect() {
    local line=$1 want=$2 got
    got=$(cd "$work" && PATH=$work/bin:$PATH PREFLIGHT_RULES_DIR=$work/none bash -c '
        source "$1"
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _preflight
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"' _ "$script" "$line")
    if [[ $got == "$want" ]]; then
        printf 'ok   %-40s -> %s\n' "'$line'" "$got"
    else
        printf 'FAIL %-40s -> %s (expected %s)\n' "'$line'" "$got" "$want"
        failed=1
    fi
}
bash -c 'source "$1" && complete -p preflight' _ "$script" | grep -qx 'complete -o filenames -F _preflight preflight' ||
    { echo "FAIL: the script does not register _preflight for preflight"; failed=1; }
expect "preflight " "--help --version completion diff kinds list run schema validate"
expect "preflight va" "validate"
expect "preflight run rules/site.yaml --f" "--format"
expect "preflight run rules/site.yaml --format " "json junit markdown text"
expect "preflight run rules/site.yaml -f ma" "markdown"
expect "preflight run rules/site.yaml --only " "etc-exists etc-hosts tmp-exists"
expect "preflight run rules/site.yaml --skip etc-" "etc-exists etc-hosts"
expect "preflight run -f json rules/site.yaml --var x=1 --only t" "tmp-exists"
expect "preflight run --only " ""   # no RULES and no default directory: nothing to offer
expect "preflight kinds pg_" "pg_connect pg_privileges pg_query"
expect "preflight run rules/site.yaml --no" "--no-color"
expect "preflight help sch" "schema"
kinds=$("$binary" kinds | sed -n 's/^\([a-z_]*\) — .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
expect "preflight kinds " "--markdown $kinds"
exit $failed
