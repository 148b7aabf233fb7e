#!/usr/bin/env bash
# Builds FerretDB v1.24.0 (the MongoDB-compatible server Wave's tests use with its SQLite
# backend) into "$1" (default: .tools/bin). The module from the Go proxy lacks the
# build/version/version.txt that its init() insists on, so we download the module, write
# that file and build it ourselves. Idempotent: does nothing when the binary is there.
set -euo pipefail
version=v1.24.0
dest=${1:-"$(cd "$(dirname "$0")/.." && pwd)/.tools/bin"}
if [ -x "$dest/ferretdb" ] && "$dest/ferretdb" --version 2>/dev/null | grep -q "${version#v}"; then
  exit 0
fi
command -v go >/dev/null || { echo "install-ferretdb: Go is required (https://go.dev or Debian's golang-go)" >&2; exit 1; }
mkdir -p "$dest"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
moddir=$(cd "$work" && go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$moddir" ] || { echo "install-ferretdb: could not download the FerretDB module" >&2; exit 1; }
cp -r "$moddir" "$work/src"
chmod -R u+w "$work/src"
echo "$version" > "$work/src/build/version/version.txt"
(cd "$work/src" && go build -trimpath -o "$dest/ferretdb" ./cmd/ferretdb)
"$dest/ferretdb" --version >/dev/null
echo "install-ferretdb: built $dest/ferretdb ($version)"
