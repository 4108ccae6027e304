#!/usr/bin/env bash
# magellan.sh — the seed's wrapper: scan, then collect (which sends to SMD).
#
#   magellan.sh --scan "--subnet 172.16.0.0/24 --port 443 --timeout 3" \
#               --collect "--user admin --pass password --host http://vm01 --port 27779"
#
# The magellan binary implements it when started under this name (the
# container image links /magellan.sh to it); this script only does that.
# Finds `magellan` next to this script, else on PATH (MAGELLAN overrides).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${MAGELLAN:-}" ]]; then
    bin="$MAGELLAN"
elif [[ -x "$here/magellan" ]]; then
    bin="$here/magellan"
else
    bin="$(command -v magellan)" || { echo "magellan.sh: no magellan binary on PATH" >&2; exit 2; }
fi
exec -a magellan.sh "$bin" "$@"
