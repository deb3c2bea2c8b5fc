#!/usr/bin/env bash
# Tests of the Python and Go bindings against a built libmlops.
#
#   bash bindings/run_tests.sh BUILD_DIR              regenerate-and-diff check, pytest, go test
#   bash bindings/run_tests.sh BUILD_DIR --sanitized  pytest only, with the sanitizer runtimes preloaded
#
# BUILD_DIR is a meson build directory of this repository (libmlops.so.0 in BUILD_DIR/src). Missing Python
# modules the suites need (pytest, numpy, pandas; scikit-learn for the example) are installed with pip.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:?usage: run_tests.sh BUILD_DIR [--sanitized]}
mode=${2:-normal}
build=$(cd "$build" && pwd)
lib="$build/src/libmlops.so.0"
[ -f "$lib" ] || { echo "run_tests.sh: $lib not found (build the library first)" >&2; exit 1; }

py=${PYTHON:-python3}
need=()
for mod in pytest numpy pandas; do
	"$py" -c "import $mod" 2>/dev/null || need+=("$mod")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "run_tests.sh: installing ${need[*]}"
	"$py" -m pip install --quiet "${need[@]}"
fi
# scikit-learn is only for the example: without it (no network, no wheel) the example is skipped, not failed.
have_sklearn=0
if [ "$mode" = normal ]; then
	"$py" -c "import sklearn" 2>/dev/null || "$py" -m pip install --quiet scikit-learn ||
		echo "run_tests.sh: scikit-learn could not be installed"
	"$py" -c "import sklearn" 2>/dev/null && have_sklearn=1
fi

export MLOPS_LIBRARY="$lib"
cd "$root"

if [ "$mode" = --sanitized ]; then
	# The interpreter is not instrumented, so the sanitizer runtimes must come first in the process.
	preload=""
	deps=$(ldd "$lib")
	for rt in libasan.so libubsan.so; do
		if [[ $deps == *"${rt%.so}"* ]]; then
			p=$(gcc -print-file-name="$rt")
			[ -f "$p" ] && preload="${preload:+$preload:}$p"
		fi
	done
	[ -n "$preload" ] || { echo "run_tests.sh: $lib is not linked with a sanitizer runtime" >&2; exit 1; }
	echo "run_tests.sh: sanitized run, LD_PRELOAD=$preload"
	# Python's own allocations are not leaks of the library: leak checking is off, everything else is fatal.
	LD_PRELOAD="$preload" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
		"$py" -m pytest -v -p no:cacheprovider tests/python
	exit 0
fi

echo "run_tests.sh: checking that the generated bindings match include/mlops"
"$py" bindings/gen/generate.py --check

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || { echo "run_tests.sh: go not found (Go >= 1.24 is needed)" >&2; exit 1; }
# Use the installed toolchain only (go.mod asks for 1.24), and give go a cache even where HOME is not set.
export GOTOOLCHAIN=local
if [ -z "${HOME:-}" ]; then
	export GOCACHE="${GOCACHE:-$(mktemp -d)}" GOPATH="${GOPATH:-$(mktemp -d)}"
fi
export CGO_CFLAGS="-I$root/include ${CGO_CFLAGS:-}"
export CGO_LDFLAGS="-L$build/src ${CGO_LDFLAGS:-}"
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The examples first, so that the last lines are the summaries of pytest and go test.
if [ "${MLOPS_SKIP_EXAMPLES:-}" != 1 ]; then
	example_store=$(mktemp -d)
	trap 'rm -rf "$example_store"' EXIT
	if [ "$have_sklearn" = 1 ]; then
		PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
			"$py" docs/examples/train_sklearn.py --store "$example_store/store"
	else
		echo "run_tests.sh: skipping docs/examples/train_sklearn.py (no scikit-learn)"
	fi

	(cd bindings/go && go run ../../docs/examples/track.go -store "$example_store/go-store")
fi
"$py" -m pytest -v -p no:cacheprovider tests/python
(cd bindings/go && go vet ./... && go test -count=1 -v ./...)
