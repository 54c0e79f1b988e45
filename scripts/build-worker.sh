#!/usr/bin/env bash
# Builds the Worker (feature `edge`) with worker-build, pointing it at the
# local wasm-bindgen, wasm-opt (npm binaryen) and esbuild so that nothing is
# downloaded; then strips the wasm's function names (kept in
# <dir>/index_bg.wasm.names). Skips the build when nothing changed.
#
#   bash scripts/build-worker.sh                     the release Worker, into build/
#                                                    (wrangler.toml's main: what deploys)
#   COGNATE_WORKER=test bash scripts/build-worker.sh the test Worker, into target/worker-test/:
#                                                    also feature `insecure-test-routes`
#                                                    (/.cognate/insecure/verify), for the
#                                                    end-to-end suite and bench:verify
set -euo pipefail
cd "$(dirname "$0")/.."

case "${COGNATE_WORKER:-release}" in
  release) dir=build features=edge ;;
  test) dir=target/worker-test features=edge,insecure-test-routes ;;
  *) echo "COGNATE_WORKER is release (the default) or test, not '${COGNATE_WORKER}'" >&2; exit 2 ;;
esac

# One build per folder at a time: two test runs (or a run and dev.sh) that
# both find it stale would otherwise write into it at once. The second waits,
# then finds it fresh.
mkdir -p target
exec 9>"target/.build-worker-${COGNATE_WORKER:-release}.lock"
flock 9

out=$dir/worker/shim.mjs
if [ -f "$out" ] && [ -z "$(find src Cargo.toml Cargo.lock -newer "$out" -print -quit)" ]; then
  exit 0
fi
export WASM_BINDGEN_BIN=wasm-bindgen
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
worker-build --release --out-dir "$dir" --no-default-features --features "$features"
# worker-build keeps the wasm's names section (about a fifth of the module):
# ship without it, and keep the named copy for reading stack traces.
node scripts/wasm-strip-names.mjs "$dir/index_bg.wasm"
# The entry module: the JSON API's fast entry, then worker-build's (see the file).
cp src/edge/entry.mjs "$out"
touch "$out"
