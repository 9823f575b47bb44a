#!/usr/bin/env bash
# Builds llama.cpp's llama-server, llama-finetune, llama-perplexity and test-llama-archs (CPU only)
# from the source that the npm package node-llama-cpp carries, and writes a small random-weight
# GGUF for protocol tests. The result is cached outside the repo, keyed by the package version and
# the build flags (deploy/llama/llama-build.env); when the cache already holds it, this does nothing.
#
#   deploy/llama/build-llama.sh        # prints the bin folder and the model path
#
# Cache root: $RAGPLATFORM_CACHE (default /var/cache/ragplatform), else ~/.cache/ragplatform.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=llama-build.env
. "$here/llama-build.env"

key="node-llama-cpp-${NODE_LLAMA_CPP_VERSION}-$(printf '%s|%s' "$LLAMA_CMAKE_FLAGS" "$LLAMA_TARGETS" | sha256sum | cut -c1-12)"
model_name="random-llama.gguf"
candidate_roots=("${RAGPLATFORM_CACHE:-/var/cache/ragplatform}/llama.cpp" "${HOME:-/root}/.cache/ragplatform/llama.cpp")

report() {
  echo "llama.cpp bin:   $1/bin"
  echo "llama.cpp model: $1/models/$model_name"
}

# A finished build is a folder named by the key holding the COMPLETE marker (written last).
for root in "${candidate_roots[@]}"; do
  if [ -f "$root/$key/COMPLETE" ]; then
    report "$root/$key"
    exit 0
  fi
done

cache_root=""
for root in "${candidate_roots[@]}"; do
  if mkdir -p "$root" 2>/dev/null && [ -w "$root" ]; then cache_root=$root; break; fi
done
if [ -z "$cache_root" ]; then
  echo "no writable cache folder among: ${candidate_roots[*]}" >&2
  exit 1
fi

# Debian's toolchain, installed only when something is missing.
missing=()
for tool in cmake:cmake g++:g++ git:git make:make npm:npm flock:util-linux; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${missing[*]}: install them (apt-get install -y ${missing[*]}) or run this as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

target="$cache_root/$key"
work="$cache_root/$key.work"
mkdir -p "$work"
# Two builds of the same key at once (CI and a developer) would trample each other's tree.
exec 9>"$cache_root/$key.lock"
flock 9
if [ -f "$target/COMPLETE" ]; then
  report "$target"
  exit 0
fi

started=$(date +%s)
echo "building llama.cpp from node-llama-cpp@$NODE_LLAMA_CPP_VERSION into $target (about 7 minutes on 2 cores)"

# The source: node-llama-cpp's git bundle of the llama.cpp release it binds to. The patches the
# package also carries are left out: they serve its Node bindings, and one of them breaks
# test-llama-archs ("too many tensors created").
if [ ! -d "$work/src/.git" ]; then
  rm -rf "$work/package" "$work/src" "$work/src.partial"
  package_dir=$(mktemp -d)
  (cd "$package_dir" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
  tar -xzf "$package_dir"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle
  rm -rf "$package_dir"
  git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$work/src.partial"
  mv "$work/src.partial" "$work/src"
  rm -rf "$work/package"
fi
# A tree left by an interrupted run is put back to the bundle's commit; unchanged files keep their
# timestamps, so the build below stays incremental.
git -C "$work/src" reset --quiet --hard
git -C "$work/src" clean --quiet -fdx

# shellcheck disable=SC2086 # the flags are a word list on purpose
cmake -S "$work/src" -B "$work/build" $LLAMA_CMAKE_FLAGS >"$work/configure.log" 2>&1 \
  || { tail -n 40 "$work/configure.log" >&2; exit 1; }
# shellcheck disable=SC2086
cmake --build "$work/build" --config Release -j2 --target $LLAMA_TARGETS >"$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log" >&2; exit 1; }

staging="$cache_root/$key.partial"
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/models"
for name in $LLAMA_TARGETS; do
  cp "$work/build/bin/$name" "$staging/bin/"
done

# A random-weight llama-architecture model: real GGUF, meaningless text, small enough for tests.
model_out=$(mktemp -d)
# A fixed seed, so that every build writes the same weights.
"$staging/bin/test-llama-archs" -a '^llama$' -s 42 -o "$model_out" >"$work/model.log" 2>&1 \
  || { tail -n 40 "$work/model.log" >&2; exit 1; }
generated=$(find "$model_out" -name '*.gguf' | head -n 1)
if [ -z "$generated" ]; then
  echo "test-llama-archs wrote no GGUF; see $work/model.log" >&2
  exit 1
fi
mv "$generated" "$staging/models/$model_name"
rm -rf "$model_out"

{
  echo "package=node-llama-cpp@$NODE_LLAMA_CPP_VERSION"
  echo "commit=$(git -C "$work/src" rev-parse HEAD)"
  echo "flags=$LLAMA_CMAKE_FLAGS"
  echo "targets=$LLAMA_TARGETS"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - started ))s"
} >"$staging/COMPLETE"
rm -rf "$target"
mv "$staging" "$target"
rm -rf "$work"
echo "built in $(( $(date +%s) - started ))s"
report "$target"
