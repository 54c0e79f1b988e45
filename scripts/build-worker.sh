#!/usr/bin/env bash
# Builds the Worker (feature `edge`) into build/worker with worker-build,
# pointing it at the local wasm-bindgen, wasm-opt (npm binaryen) and esbuild
# so that nothing is downloaded. Skips the build when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/worker/shim.mjs
if [ -f "$out" ] && [ -z "$(find src Cargo.toml Cargo.lock -newer "$out" -print -quit)" ]; then
  exit 0
fi
export WASM_BINDGEN_BIN=wasm-bindgen
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
worker-build --release --no-default-features --features edge
touch "$out"
