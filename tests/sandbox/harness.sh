# Shared by the sandbox integration tests (sourced): result lines and the closing verdict.
# Each test prints `ok    what` or `FAIL  what` per assertion and ends with finish_test NAME.
failures=0
pass() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
expect_eq() { # what expected actual
    if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
finish_test() { # name
    if ((failures)); then
        printf '%s: %d failure(s)\n' "$1" "$failures"
        exit 1
    fi
    printf '%s: all passed\n' "$1"
}
