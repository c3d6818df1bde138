#!/usr/bin/env bash
# ort.sh: make the native libraries of dagworker's ONNX Runtime backend (Go build tag ORT) appear in a
# cache folder keyed by their versions, and print that folder on the last line of stdout:
#
#   libonnxruntime.so -> libonnxruntime.so.1.32.0   loaded at run time by github.com/yalue/onnxruntime_go
#   libtokenizers.a                                  linked by cgo into github.com/daulet/tokenizers
#   onnxruntime-LICENSE, onnxruntime-ThirdPartyNotices.txt
#   SHA256SUMS                                       stamp checked on every reuse
#
# Usage:  dir=$(bash scripts/ort.sh)
#         CGO_LDFLAGS="-L$dir" go build -tags ORT ./cmd/dagworker
#         DAGWORKER_ORT_LIBRARY="$dir/libonnxruntime.so" ./dagworker ...
#
# libonnxruntime comes from the onnxruntime Python wheel (pip download, sha256 pinned below);
# libtokenizers.a is built with cargo from the daulet/tokenizers Go module source, which `go mod download`
# verifies against this repository's go.sum. Everything but the final folder name goes to stderr.
# Settings: DAGWORKER_ORT_DIR (the cache folder), ORT_CARGO_JOBS (default 2).
set -euo pipefail

ORT_VERSION=1.32.0
ORT_WHEEL=onnxruntime-${ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA256=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
ORT_PLATFORM=manylinux_2_28_x86_64
TOK_MODULE=github.com/daulet/tokenizers
TOK_VERSION=1.24.0
# the module's Cargo.toml takes tiktoken-rs from a git branch; build against this registry release instead
TIKTOKEN_VERSION=0.9

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${DAGWORKER_ORT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/ort/ort-${ORT_VERSION}-tok-${TOK_VERSION}}"
ortlib="libonnxruntime.so.${ORT_VERSION}"
stamp="$dir/SHA256SUMS"

log() { echo "ort.sh: $*" >&2; }
die() { echo "ort.sh: error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH: $2"; }

# stamp_ok FILE: the stamp holds FILE's sha256 and the file still matches it.
stamp_ok() {
  [ -f "$stamp" ] && [ -f "$dir/$1" ] || return 1
  local want have
  want="$(awk -v f="$1" '$2 == f {print $1}' "$stamp")"
  [ -n "$want" ] || return 1
  have="$(sha256sum "$dir/$1" | awk '{print $1}')"
  [ "$want" = "$have" ]
}

# unzip_members ZIP DEST MEMBER...: extract members flat into DEST (unzip, else python3's zipfile).
unzip_members() {
  local zip="$1" dest="$2"; shift 2
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o -j "$zip" "$@" -d "$dest"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$zip" "$dest" "$@" <<'PY'
import os, shutil, sys, zipfile
zf, dest, members = zipfile.ZipFile(sys.argv[1]), sys.argv[2], sys.argv[3:]
for m in members:
    with zf.open(m) as src, open(os.path.join(dest, os.path.basename(m)), "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
  else
    die "neither unzip nor python3 found: one is needed to unpack $zip (apt-get install unzip)"
  fi
}

fetch_onnxruntime() {
  [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only linux x86_64 is pinned (this is $(uname -s)-$(uname -m))"
  local pip
  if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    pip="python3 -m pip"
  elif command -v pip3 >/dev/null 2>&1; then
    pip=pip3
  elif command -v pip >/dev/null 2>&1; then
    pip=pip
  else
    die "pip not found (python3 -m pip, pip3, pip): it downloads the onnxruntime wheel (apt-get install python3-pip)"
  fi
  tmp="$(mktemp -d)"
  log "downloading onnxruntime ${ORT_VERSION} wheel ($ORT_PLATFORM)"
  $pip download --disable-pip-version-check -q "onnxruntime==${ORT_VERSION}" --no-deps --only-binary=:all: \
    --python-version 3.11 --platform "$ORT_PLATFORM" -d "$tmp" >&2 \
    || die "pip download onnxruntime==${ORT_VERSION} failed"
  [ -f "$tmp/$ORT_WHEEL" ] || die "pip did not produce $ORT_WHEEL (got: $(ls "$tmp"))"
  local sum
  sum="$(sha256sum "$tmp/$ORT_WHEEL" | awk '{print $1}')"
  [ "$sum" = "$ORT_WHEEL_SHA256" ] || die "$ORT_WHEEL sha256 is $sum, pinned $ORT_WHEEL_SHA256"
  unzip_members "$tmp/$ORT_WHEEL" "$tmp" "onnxruntime/capi/$ortlib" onnxruntime/LICENSE onnxruntime/ThirdPartyNotices.txt
  mv -f "$tmp/LICENSE" "$dir/onnxruntime-LICENSE"
  mv -f "$tmp/ThirdPartyNotices.txt" "$dir/onnxruntime-ThirdPartyNotices.txt"
  chmod 0755 "$tmp/$ortlib"
  mv -f "$tmp/$ortlib" "$dir/$ortlib"
  ln -sfn "$ortlib" "$dir/libonnxruntime.so"
}

build_tokenizers() {
  need go "it fetches the $TOK_MODULE source checked against go.sum"
  need cargo "it builds libtokenizers.a (install Rust with rustup)"
  local json src
  json="$(cd "$repo" && go mod download -json "${TOK_MODULE}@v${TOK_VERSION}")" \
    || die "go mod download ${TOK_MODULE}@v${TOK_VERSION} failed: $json"
  src="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$src" ] || [ ! -f "$src/Cargo.toml" ]; then
    die "no Cargo.toml in the ${TOK_MODULE} module folder ($src)"
  fi
  local build="$dir/build" crate="$dir/build/crate"
  mkdir -p "$crate"
  # cp -p keeps the module's timestamps, so a rerun after a lost stamp rebuilds incrementally
  rm -rf "$crate/src" "$crate/benches"
  cp -rp "$src/src" "$src/benches" "$src/Cargo.lock" "$crate/"
  chmod -R u+w "$crate"
  sed -E "s|^tiktoken-rs[[:space:]]*=.*$|tiktoken-rs = \"${TIKTOKEN_VERSION}\"|" "$src/Cargo.toml" >"$build/Cargo.toml.new"
  grep -q "^tiktoken-rs = \"${TIKTOKEN_VERSION}\"$" "$build/Cargo.toml.new" || die "could not repoint tiktoken-rs in $src/Cargo.toml"
  if cmp -s "$build/Cargo.toml.new" "$crate/Cargo.toml"; then rm -f "$build/Cargo.toml.new"; else mv -f "$build/Cargo.toml.new" "$crate/Cargo.toml"; fi
  log "building libtokenizers.a with cargo (first build takes minutes; target dir $build/target)"
  (cd "$crate" && CARGO_TARGET_DIR="$build/target" cargo build --release --lib -j "${ORT_CARGO_JOBS:-2}" >&2) \
    || die "cargo build of libtokenizers failed"
  cp -f "$build/target/release/libtokenizers.a" "$dir/libtokenizers.a.new"
  mv -f "$dir/libtokenizers.a.new" "$dir/libtokenizers.a"
}

tmp=""
trap 'rm -rf "${tmp:-}"' EXIT
mkdir -p "$dir"
# one run at a time per cache folder (two builds started together would race on the same files)
if command -v flock >/dev/null 2>&1; then exec 9>"$dir/.lock" && flock 9; fi
changed=0
if ! stamp_ok "$ortlib" || [ ! -f "$dir/onnxruntime-LICENSE" ] || [ "$(readlink "$dir/libonnxruntime.so" 2>/dev/null)" != "$ortlib" ]; then
  fetch_onnxruntime
  changed=1
fi
if ! stamp_ok libtokenizers.a; then
  build_tokenizers
  changed=1
fi
if [ "$changed" = 1 ]; then
  (cd "$dir" && sha256sum "$ortlib" libtokenizers.a >SHA256SUMS.new && mv -f SHA256SUMS.new SHA256SUMS)
  log "ready in $dir"
fi
echo "$dir"
