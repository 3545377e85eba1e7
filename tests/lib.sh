# Shared by the shell tests (sourced). sf_missing: a prerequisite (a server binary, a browser) is
# not installed. Outside CI the test is skipped (exit 0); in CI (CI set) that is a failure, as the
# test command installs every prerequisite, so CI never skips.
sf_missing() { # what
  if [ -n "${CI:-}" ]; then
    echo "missing in CI: $1" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 0
}
