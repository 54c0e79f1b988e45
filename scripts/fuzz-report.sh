#!/usr/bin/env bash
# The scheduled long fuzz run (not CI): every cargo-fuzz target in fuzz/ for
# FUZZ_SECONDS each (default 600, ten minutes), through scripts/fuzz.sh, and
# the outcome written into FUZZING.md — per target the time, the inputs run,
# the coverage libFuzzer reached and whether it found anything. A finding
# leaves its reproducer in fuzz/artifacts/<target>/ and fails the script.
#
#   scripts/fuzz-report.sh [target...]
#
# Schedule it where a machine is free for a couple of hours, e.g. nightly:
#   0 2 * * *  cd /path/to/cognate && scripts/fuzz-report.sh >> target/fuzz-nightly.log 2>&1
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-600}"
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

rows=()
failed=0
for target in "${targets[@]}"; do
  log="target/fuzz-report/$target.log"
  mkdir -p target/fuzz-report
  if FUZZ_SECONDS="$seconds" bash scripts/fuzz.sh "$target" >"$log" 2>&1; then result="nothing found"; else result="**FAILED** (see fuzz/artifacts/$target/)"; failed=1; fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  rate=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
  corpus=$(find "target/fuzz-corpus/$target" -type f 2>/dev/null | wc -l)
  rows+=("| \`$target\` | ${seconds} s | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${corpus} | $result |")
  echo "$target: ${execs:-?} inputs, $result"
done

{
  echo "# Fuzzing"
  echo
  echo "The core's parsers of untrusted input are fuzzed with cargo-fuzz (libFuzzer, stable"
  echo "toolchain, no sanitizer: Rust's own checks and each target's assertions catch failures)."
  echo "CI replays the committed seeds (\`FUZZ_SECONDS=0 scripts/fuzz.sh\`); the long run below is"
  echo "\`scripts/fuzz-report.sh\`, scheduled off CI, which rewrites this file."
  echo
  echo "## Latest run"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), ${seconds} s per target."
  echo
  echo "| target | time | inputs run | inputs/s | coverage (edges) | corpus after | result |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Findings"
  echo
  if [ "$failed" = 0 ]; then
    echo "None in this run. A finding would be listed here with its reproducer and the fix's commit."
  else
    echo "This run found failures: see the table, and the reproducers in \`fuzz/artifacts/\`."
  fi
} > FUZZING.md
exit "$failed"
