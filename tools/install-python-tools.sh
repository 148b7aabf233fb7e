#!/usr/bin/env bash
# Installs the PyPI tools wave-server's tests use (Schemathesis, openapi-spec-validator) into
# a virtual environment, because Debian 12's pip refuses to install into the system Python
# (PEP 668).  Pinned versions, so every run tests against the same tools.  Idempotent: when
# the venv already holds these exact versions it returns at once.
#   venv: ${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/venv
# tests/server finds the executables there (or at $WAVE_PYTHON_TOOLS_VENV).
set -euo pipefail
schemathesis_version=4.32.5
validator_version=0.9.0
tools_dir="${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}"
venv="${WAVE_PYTHON_TOOLS_VENV:-$tools_dir/venv}"
stamp="$venv/.wave-tools-versions"
want="schemathesis==$schemathesis_version openapi-spec-validator==$validator_version"
if [ -x "$venv/bin/schemathesis" ] && [ -x "$venv/bin/openapi-spec-validator" ] &&
   [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
echo "install-python-tools: creating $venv with $want"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# shellcheck disable=SC2086  # $want is a list of requirement specifiers
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $want
"$venv/bin/schemathesis" --version >/dev/null
"$venv/bin/openapi-spec-validator" --help >/dev/null
printf '%s' "$want" > "$stamp"
