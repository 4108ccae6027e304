#!/usr/bin/env bash
# magellan.sh — the seed's wrapper: scan, then collect (which sends to SMD).
#
#   magellan.sh --scan "--subnet 172.16.0.0/24 --port 443 --timeout 3" \
#               --collect "--user admin --pass password --host http://vm01 --port 27779"
#
# Finds `magellan` next to this script, else on PATH (MAGELLAN overrides).
set -euo pipefail

usage() {
    echo "usage: $0 --scan \"<scan args>\" --collect \"<collect args>\"" >&2
    exit 2
}

SCAN_PARAMS=""
COLLECT_PARAMS=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scan) [[ $# -ge 2 ]] || usage; SCAN_PARAMS="$2"; shift 2 ;;
        --collect) [[ $# -ge 2 ]] || usage; COLLECT_PARAMS="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ -n "$SCAN_PARAMS" || -n "$COLLECT_PARAMS" ]] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${MAGELLAN:-}" ]]; then
    bin="$MAGELLAN"
elif [[ -x "$here/magellan" ]]; then
    bin="$here/magellan"
else
    bin="magellan"
fi

# Word splitting of the parameter strings is intended: they are argument lists.
if [[ -n "$SCAN_PARAMS" ]]; then
    # shellcheck disable=SC2086
    "$bin" scan $SCAN_PARAMS
fi
if [[ -n "$COLLECT_PARAMS" ]]; then
    # shellcheck disable=SC2086
    "$bin" collect $COLLECT_PARAMS
fi
