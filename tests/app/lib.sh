# Shared by the CLI tests tests/app/test_cli_*.sh (sourced after `set -u`): skips when the
# smartflow binary is not built, makes a temporary folder $tmp (removed on exit) and defines
# the checks, which print "ok   NAME" or "FAIL NAME" with both sides and count failures in
# $fails; sf_finish prints the verdict and sets the exit status.
if [ -z "${SF_CLI:-}" ] || [ ! -x "$SF_CLI" ]; then
  echo "SKIP: smartflow binary not built (SF_CLI='${SF_CLI:-}')"
  exit 0
fi
SRC=${SF_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SHARED=${SF_SHARED_DIR:-/work/shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # name expected actual
  if [ "$2" != "$3" ]; then
    echo "FAIL $1"
    echo "  expected: $(printf '%q' "$2")"
    echo "  actual:   $(printf '%q' "$3")"
    fails=$((fails + 1))
  else
    echo "ok   $1"
  fi
}
contains() { # name needle haystack
  case "$3" in
  *"$2"*) echo "ok   $1" ;;
  *)
    echo "FAIL $1: missing $(printf '%q' "$2")"
    echo "  in: $3"
    fails=$((fails + 1))
    ;;
  esac
}
sf_finish() { # message printed when every check passed
  if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
  fi
  echo "$1"
}
