#!/usr/bin/env bash
# Wharf's memory beside a hello-world Tauri 2 window, measured in one run on one Xvfb display:
# both are release builds of this workspace (same Tauri, same profile, same window size), and the
# PSS and USS of each one's whole process tree are read from /proc
# (tests/e2e/tests/e2e/benchmarks.rs). Run it on an otherwise idle machine: PSS splits shared
# libraries with any other WebKit process (the bench warns when it sees one).
#
#   tests/memory/measure.sh            # 1,000,000 stored, 10,000 flooded, 30 s idle
#   WHARF_MEMORY_STORED=0 tests/memory/measure.sh
#
# Two runs: both apps as shipped (compositing on; Wharf paints on the CPU by itself), then both with
# compositing off (WEBKIT_DISABLE_COMPOSITING_MODE=1). Prints the MEMORY lines for
# docs/benchmarks.md. Needs what tests/e2e/run.sh needs (.ci/system-deps test installs it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
make -C "$ROOT" ui-build >/dev/null
cargo build --release -p wharf -p hello-window
export WHARF_APP=$TARGET/release/wharf WHARF_HELLO_APP=$TARGET/release/hello-window
LOG=$(mktemp "${TMPDIR:-/tmp}/wharf-memory.XXXXXX")
for compositing in default off; do
  if [[ $compositing == off ]]; then export WEBKIT_DISABLE_COMPOSITING_MODE=1; else unset WEBKIT_DISABLE_COMPOSITING_MODE; fi
  "$ROOT/tests/e2e/run.sh" bench_memory_beside_a_hello_window --nocapture >"$LOG" 2>&1 || {
    tail -40 "$LOG" >&2
    echo "memory: the measurement failed; whole log in $LOG" >&2
    exit 1
  }
  grep '^MEMORY' "$LOG"
done
