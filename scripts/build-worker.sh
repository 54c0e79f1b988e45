#!/usr/bin/env bash
# Builds the Worker (feature `edge`) into build/worker with worker-build,
# pointing it at the local wasm-bindgen, wasm-opt (npm binaryen) and esbuild
# so that nothing is downloaded; then strips the wasm's function names
# (kept in build/index_bg.wasm.names). Skips the build when nothing changed.
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
# worker-build keeps the wasm's names section (about a fifth of the module):
# ship without it, and keep the named copy for reading stack traces.
node scripts/wasm-strip-names.mjs build/index_bg.wasm
touch "$out"
