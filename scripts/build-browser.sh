#!/usr/bin/env bash
# Builds the npm package (feature `browser`) into pkg/: the wasm through
# wasm-bindgen (--target web) and wasm-opt -Oz, the package's own ESM entry
# with lazy loading (bundled with the glue and minified), its TypeScript
# declarations and package.json; then
# copies it into www/pkg for the demo, and prints its size.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Worker's build (feature edge) writes the same cognate.wasm (a cdylib's
# name carries no hash): build the package in a target folder of its own.
target="${CARGO_TARGET_DIR:-target}/browser"
CARGO_TARGET_DIR="$target" cargo build --lib --release --target wasm32-unknown-unknown \
  --no-default-features --features browser
wasm="$target/wasm32-unknown-unknown/release/cognate.wasm"
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name cognate_wasm --no-typescript "$wasm"
node_modules/.bin/wasm-opt -Oz --low-memory-unused --strip-debug --strip-producers \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
  --enable-multivalue --enable-reference-types \
  pkg/cognate_wasm_bg.wasm -o pkg/cognate_wasm_bg.wasm
# The entry and wasm-bindgen's glue ship as one minified module (the wasm
# still loads on first use, from beside it).
cp packages/browser/index.js pkg/entry.js
node_modules/.bin/esbuild pkg/entry.js --bundle --format=esm --minify --log-level=warning --outfile=pkg/index.js
rm pkg/entry.js pkg/cognate_wasm.js
cp packages/browser/index.d.ts packages/browser/package.json packages/browser/README.md pkg/
rm -rf www/pkg www/vendor
cp -r pkg www/pkg
node_modules/.bin/esbuild packages/demo/sigv4.js --bundle --format=esm --minify --log-level=warning --outfile=www/vendor/sigv4.js
node scripts/package-size.mjs
