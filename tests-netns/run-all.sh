#!/usr/bin/env bash
# Runs every scenario script in tests-netns/ (all *.sh but lib.sh and this file),
# one after the other, and prints "tests_netns: N passed, N failed" counting
# scripts. Exit status 1 when any script failed. Scripts skip themselves (exit 0
# with a SKIPPED line) when not root or a tool is missing.
# Usage: tests-netns/run-all.sh [SCRIPT...]
set -uo pipefail
cd "$(dirname "$0")"
scripts=("$@")
if [ ${#scripts[@]} -eq 0 ]; then
    for f in *.sh; do
        case $f in lib.sh | run-all.sh) ;; *) scripts+=("$f") ;; esac
    done
fi
pass=0 fail=0
for s in "${scripts[@]}"; do
    echo "== tests-netns/$s"
    start=$(date +%s%3N)
    if bash "./$s"; then pass=$((pass + 1)); r=ok; else fail=$((fail + 1)); r=FAILED; fi
    echo "== tests-netns/$s: $r in $(( $(date +%s%3N) - start )) ms"
done
echo "tests_netns: $pass passed, $fail failed"
[ "$fail" = 0 ]
