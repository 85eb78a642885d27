#!/usr/bin/env bash
# Builds the two minimal programs (genesys-presence vs direct ureq + serde_json)
# with the default release profile (then stripped) and a size-optimized profile,
# and prints their sizes. Usage: benches/size/measure.sh
set -euo pipefail
cd "$(dirname "$0")"
target="${CARGO_TARGET_DIR:-$PWD/target}"
printf '%-12s %-22s %12s\n' program profile bytes
for app in crate-app direct-app; do
  for profile in release min; do
    cargo build --quiet --manifest-path "$app/Cargo.toml" --profile "$profile" --target-dir "$target"
    bin="$target/$profile/size-$app"
    if [ "$profile" = release ]; then
      strip -o "$bin.stripped" "$bin"
      bin="$bin.stripped"
      label="release, stripped"
    else
      label="z, lto, abort, strip"
    fi
    printf '%-12s %-22s %12s\n' "$app" "$label" "$(stat -c %s "$bin")"
  done
done
