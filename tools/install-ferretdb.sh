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
command -v go >/dev/null || { echo "install-ferretdb: Go is required (Debian's golang-go will do)" >&2; exit 1; }
mkdir -p "$dest"
# FerretDB needs Go >= 1.22; Debian 12 ships 1.19.  An older Go fetches a newer toolchain
# through the Go module proxy (golang.org/toolchain), the same source GOTOOLCHAIN uses.
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -lt 22 ]; then
  toolchain=v0.0.1-go1.22.12.linux-$(go env GOARCH)
  tdir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "golang.org/toolchain@$toolchain" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -x "$tdir/bin/go" ] || { echo "install-ferretdb: could not fetch Go toolchain $toolchain" >&2; exit 1; }
  chmod +x "$tdir/bin/go" "$tdir/pkg/tool/"*/* 2>/dev/null || true
  export PATH="$tdir/bin:$PATH" GOROOT="$tdir"
fi
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
