#!/usr/bin/env bash
# golangci.sh: make golangci-lint (pinned below) appear in a cache folder keyed by its version, and print
# the binary's path on the last line of stdout. The first run builds it from the Go module proxy (a few
# minutes on 2 cores); every later run on the machine reuses it.
#
# Usage:  "$(bash scripts/golangci.sh)" run ./...
set -euo pipefail

VERSION=v2.15.0
dir="${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/tools/golangci-lint-$VERSION"
bin="$dir/golangci-lint"
if [ ! -x "$bin" ] || ! "$bin" version 2>/dev/null | grep -q "${VERSION#v}"; then
  mkdir -p "$dir"
  echo "golangci.sh: building golangci-lint $VERSION into $dir" >&2
  GOBIN="$dir" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION" >&2
fi
echo "$bin"
