#!/usr/bin/env bash
# Memory, log volume and descriptors of a daemon running scripts that flood
# their output: keepalived_runtime::run_script (what vrrpd and lvsd use) in a process
# that logs at INFO to a file, with the script bounded by a 3 s timeout.
# Prints peak RSS before/after, the log's size and lines, open fds.
# Usage: benches/script-output.sh   (from anywhere; builds the example)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p keepalived-runtime --example script_output_rss
bin=target/debug/examples/script_output_rss
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
    RUST_LOG=info "$bin" 3 "$@" 2>"$log"
    echo "   log: $(wc -c <"$log") bytes, $(wc -l <"$log") lines"
}
run /usr/bin/head -c 400000000 /dev/zero
run /usr/bin/yes keepalived-log-flood
run /bin/sh -c 'sleep 5 & sleep 5 & true'
