#!/usr/bin/env bash
# ABI check of libmlops.so against the committed baseline (tests/api/libmlops.abi) with libabigail.
#
#   check_abi.sh [LIBMLOPS_SO [HEADERS_DIR [BASELINE]]]           compare; fails on an incompatible change
#   check_abi.sh --update [LIBMLOPS_SO [HEADERS_DIR [BASELINE]]]  rewrite the baseline from the built library
#
# Defaults: build/src/libmlops.so, include/mlops, tests/api/libmlops.abi (relative to the source tree).
# Only types reachable from the public headers count (--headers-dir). Added functions are fine
# (--no-added-syms); abidiff's exit bit 8 (an incompatible change: a removed symbol, a changed signature or
# layout) fails, bit 4 alone (compatible changes) passes with the report printed, bits 1 and 2 (abidiff
# itself failed) fail.
set -euo pipefail

top="$(cd "$(dirname "$0")/../.." && pwd)"
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
so="${1:-$top/build/src/libmlops.so}"
headers="${2:-$top/include/mlops}"
baseline="${3:-$top/tests/api/libmlops.abi}"

for tool in abidw abidiff; do
	command -v "$tool" >/dev/null || { echo "check_abi: $tool not found (Debian package abigail-tools)" >&2; exit 1; }
done
[ -f "$so" ] || { echo "check_abi: no library at $so (build first)" >&2; exit 1; }

# Paths and line numbers are left out so that the baseline changes only when the ABI does.
dump() {
	abidw --headers-dir "$headers" --drop-private-types --drop-undefined-syms --no-corpus-path --no-comp-dir-path --no-show-locs \
		--type-id-style hash --out-file "$1" "$so"
	# Translation units are named relative to the build directory; keep only the part from src/ on.
	sed -i "s|path='[^']*/src/|path='src/|" "$1"
}

if [ "$update" = 1 ]; then
	tmp="$(mktemp "$baseline.XXXXXX")"
	dump "$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$baseline"
	echo "check_abi: baseline written to $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols)"
	exit 0
fi

[ -f "$baseline" ] || {
	echo "check_abi: no baseline at $baseline; create it with: $0 --update $so" >&2
	exit 1
}

set +e
report="$(abidiff --no-added-syms --headers-dir1 "$headers" --headers-dir2 "$headers" "$baseline" "$so" 2>&1)"
rc=$?
set -e
[ -n "$report" ] && printf '%s\n' "$report"
if (( rc & 3 )); then
	echo "check_abi: abidiff failed (exit $rc)" >&2
	exit 1
fi
if (( rc & 8 )); then
	echo "check_abi: INCOMPATIBLE ABI change against $baseline (exit $rc)." >&2
	echo "check_abi: restore compatibility, or for an intended break move the SONAME and run $0 --update" >&2
	exit 1
fi
if (( rc & 4 )); then
	echo "check_abi: compatible ABI changes (see above); the baseline can be refreshed with --update"
else
	echo "check_abi: no change to the ABI of the baseline (functions added since are allowed)"
fi
exit 0
