#!/usr/bin/env bash
# Build and test everything, from a fresh Debian 12 machine on: installs what is missing, then
#   (a) the normal build with all tests (cmocka unit and API tests, CLI integration tests),
#   (b) an AddressSanitizer + UndefinedBehaviorSanitizer build with all tests,
#   (c) the Python and Go bindings' tests against both builds (when bindings/run_tests.sh exists),
#   (d) the exported interface: symbols vs headers vs version script, ABI vs the committed baseline,
#       and a program built from an installed copy through pkg-config,
#   (e) a summary.
# .ci/run runs this script. Usage: ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/setup-deps.sh

JOBS="$(nproc 2>/dev/null || echo 2)"
declare -a SUMMARY=()
T0=$SECONDS

declare -i PASSED=0 FAILED=0
# Add the results of the last 'meson test' in build dir $1 to the totals (meson-logs/testlog.json).
count_tests() {
	local counts
	counts="$(python3 -c 'import json, sys
r = [json.loads(l)["result"] for l in open(sys.argv[1]) if l.strip()]
print(sum(x == "OK" for x in r), sum(x not in ("OK", "SKIP") for x in r))' "$1/meson-logs/testlog.json")"
	PASSED+=${counts% *}
	FAILED+=${counts#* }
}

section() { printf '\n==================== %s ====================\n' "$*"; }
step_done() { SUMMARY+=("$(printf '%-44s ok  (%ds)' "$1" "$(( SECONDS - $2 ))")"); }

# configure DIR [meson options...]: a fresh configuration every run, so that no stale option survives.
configure() {
	local dir="$1"
	shift
	if [ -d "$dir/meson-private" ] && meson setup --wipe "$dir" --werror "$@"; then
		return 0
	fi
	rm -rf "$dir"
	meson setup "$dir" --werror "$@"
}

section "dependencies"
t=$SECONDS
mlops_install_deps
step_done "dependencies" "$t"

section "(a) build and test: build/"
t=$SECONDS
configure build
ninja -C build -j"$JOBS"
# The 'abi' suite runs in (d) with its own header.
meson test -C build -v --print-errorlogs --no-suite abi
count_tests build
step_done "(a) build + tests" "$t"

section "(b) sanitizers (address, undefined): build-asan/"
t=$SECONDS
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbenchmarks=false
ninja -C build-asan -j"$JOBS"
meson test -C build-asan -v --print-errorlogs --timeout-multiplier 3
count_tests build-asan
step_done "(b) sanitizer build + tests" "$t"
unset ASAN_OPTIONS UBSAN_OPTIONS

section "(c) bindings"
t=$SECONDS
if [ -f bindings/run_tests.sh ]; then
	bash bindings/run_tests.sh build
	bash bindings/run_tests.sh build-asan --sanitized
	step_done "(c) bindings (build, build-asan)" "$t"
else
	echo "bindings/run_tests.sh not present: no binding tests to run"
	SUMMARY+=("$(printf '%-44s none present' "(c) bindings")")
fi

section "(d) exported interface: symbols, ABI, pkg-config"
t=$SECONDS
meson test -C build -v --print-errorlogs --suite abi
count_tests build
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
meson install -C build --destdir "$tmp/root" --quiet
pc="$(find "$tmp/root" -name libmlops.pc -print -quit)"
[ -n "$pc" ] || { echo "meson install did not install libmlops.pc" >&2; exit 1; }
libdir="$(dirname "$(dirname "$pc")")"
# The .pc names the configured prefix: PKG_CONFIG_SYSROOT_DIR maps it into the staging root.
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
echo "pkg-config --cflags --libs libmlops: $(pkg-config --cflags --libs libmlops)"
# shellcheck disable=SC2046
cc -std=gnu11 -Wall -Wextra -Wpedantic -Werror tests/api/readme_example.c -o "$tmp/readme_example" \
	$(pkg-config --cflags --libs libmlops)
LD_LIBRARY_PATH="$libdir" ldd "$tmp/readme_example" | grep libmlops
LD_LIBRARY_PATH="$libdir" ldd "$tmp/readme_example" | grep -q "$tmp/root" \
	|| { echo "the example did not resolve the installed libmlops" >&2; exit 1; }
LD_LIBRARY_PATH="$libdir" "$tmp/readme_example" "$tmp/store"
PASSED+=1
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
step_done "(d) symbols + ABI + pkg-config" "$t"

section "(e) summary"
for line in "${SUMMARY[@]}"; do
	echo "$line"
done
echo "total: $(( SECONDS - T0 ))s; meson tests (each a cmocka program, script or check) in both builds:"
echo "test.sh: $PASSED passed, $FAILED failed"
