#!/usr/bin/env bash
# Create a virtual environment, installing Debian's python3-venv first when it is missing.
set -euo pipefail
python="$1" venv="$2"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "contamap: Python 3.11 or newer is needed ($python is $("$python" -V 2>&1))." >&2; exit 1; }
if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "contamap: installing python3-venv with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  else
    echo "contamap: the venv module is missing: install it with 'sudo apt-get install python3-venv'." >&2
    exit 1
  fi
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
