# Sourced by demo.sh and test.sh: create ./.venv once and install the project into it.
# Usage: . scripts/_venv.sh [EXTRAS]   e.g. ". scripts/_venv.sh test"
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_venv="${COURSEKIT_VENV:-$_root/.venv}"
# Grading runs every kernel in a bubblewrap sandbox: install Debian's package when we can.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing bubblewrap (the grading sandbox)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "== bubblewrap (bwrap) is missing: grading will refuse to run until it is installed" \
             "(Debian/Ubuntu: sudo apt-get install bubblewrap)" >&2
    fi
fi
if [ ! -x "$_venv/bin/python" ]; then
    echo "== creating $_venv"
    python3 -m venv "$_venv"
    "$_venv/bin/python" -m pip install -q --upgrade pip
fi
_spec="$_root"
if [ -n "${1:-}" ]; then _spec="$_root[$1]"; fi
echo "== installing coursekit${1:+ [$1]} into $_venv"
"$_venv/bin/python" -m pip install -q -e "$_spec"
export PATH="$_venv/bin:$PATH"
cd "$_root"
