#!/usr/bin/env bash
# Install with the test extra, then run the whole test suite (pass e.g. -m "not slow" for the quick loop).
. "$(dirname "$0")/_venv.sh" test
exec python -m pytest "$@"
