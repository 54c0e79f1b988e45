#!/usr/bin/env bash
# Time-bounded fuzzing of the core's untrusted-input paths (the cargo-fuzz
# targets in fuzz/: sigv4_parse, protocol_input, session_token,
# ids_and_validation), for CI and before a release. Installs cargo-fuzz if
# missing, then fuzzes each target for FUZZ_SECONDS (default 60) starting
# from a scratch copy of its committed seeds (target/fuzz-corpus/<target>;
# fuzz/corpus/ is never grown). Exits non-zero if any target crashes or
# breaks an invariant; the reproducer is left in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [target...]      all targets when none is named
#   FUZZ_SECONDS=0 scripts/fuzz.sh   only replay the committed seeds
#   FUZZ_NIGHTLY=1 scripts/fuzz.sh   nightly with AddressSanitizer (slower)
#
# Stable builds use `-s none` (no sanitizer): Rust's own checks and the
# targets' assertions are what catch failures there.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz

if [ "${FUZZ_NIGHTLY:-0}" = 1 ] && cargo +nightly --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz run)
else
  fuzz=(cargo fuzz run -s none)
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

failed=()
for target in "${targets[@]}"; do
  seeds="fuzz/corpus/$target"
  scratch="target/fuzz-corpus/$target"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  if [ -d "$seeds" ]; then
    cp -R "$seeds/." "$scratch/"
  fi
  if [ "$seconds" = 0 ]; then
    limit=(-runs=0)
    echo "==> $target: replaying $(find "$scratch" -type f | wc -l) seeds"
  else
    limit=("-max_total_time=$seconds")
    echo "==> $target: fuzzing for ${seconds}s"
  fi
  if ! "${fuzz[@]}" "$target" "$scratch" -- "${limit[@]}" -timeout=30 -print_final_stats=1; then
    failed+=("$target")
    echo "!! $target failed; reproducer in fuzz/artifacts/$target/" >&2
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing passed: ${targets[*]}"
