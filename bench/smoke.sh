#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one benchmark briefly as a smoke test, with its named objects in a
# private directory so concurrent runs (and the user's own objects) never meet.
# Usage: bench/smoke.sh program [args...]
set -eu
dir=$(mktemp -d "${TMPDIR:-/tmp}/shmap-smoke.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
SHMAP_DIR=$dir "$@"
