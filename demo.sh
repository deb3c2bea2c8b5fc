#!/usr/bin/env bash
# End-to-end demo of libmlops through the mlops command-line tool: installs what is missing, builds into build/,
# then walks through a store step by step. Each step is a function; run_demo lists them in order.
# Usage: ./demo.sh [STORE_DIR]   (default: ./demo-store, recreated on every run)
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/setup-deps.sh

STORE="${1:-$PWD/demo-store}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MLOPS="$PWD/build/src/cli/mlops"
N=0

step() {
	N=$((N + 1))
	printf '\n--- step %d: %s\n' "$N" "$*"
}
# Show a command, then run it.
show() {
	printf '$ %s\n' "$*" >&2
	"$@"
}
mlops() { show "$MLOPS" --store "$STORE" "$@"; }

setup_and_build() {
	step "install missing packages and build (build/)"
	mlops_install_deps
	if [ ! -d build/meson-private ]; then
		meson setup build
	fi
	ninja -C build
	"$MLOPS" --version
}

demo_init() {
	step "create a store at $STORE"
	rm -rf "$STORE"
	mlops init
	mlops init    # a second init only says the store exists
}

demo_objects() {
	step "store a file: its id is the XXH128 of its content; it is pinned as cli/<id> so gc keeps it"
	python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(1).randbytes(5 * 1024 * 1024))' \
		>"$WORK/weights.bin"
	ID="$(mlops object put "$WORK/weights.bin")"
	echo "id: $ID"

	step "get it back and compare"
	mlops object get "$ID" -o "$WORK/weights.copy"
	show cmp "$WORK/weights.bin" "$WORK/weights.copy"
	echo "identical"

	step "store a slightly changed version: only the changed chunks take new space"
	mlops --json info
	cp "$WORK/weights.bin" "$WORK/weights-v2.bin"
	printf 'appended bytes' >>"$WORK/weights-v2.bin"
	mlops object put --name weights/v2 "$WORK/weights-v2.bin"
	mlops --json info

	step "a small text object, printed with cat"
	printf 'learning_rate: 0.01\nepochs: 10\n' >"$WORK/config.yaml"
	CONFIG="$(mlops object put --no-pin "$WORK/config.yaml")"
	mlops object cat "$CONFIG"
}

demo_info() {
	step "what the store holds"
	mlops info
}

demo_verify() {
	step "verify: SQLite integrity, every object re-hashed"
	mlops verify
}

demo_gc() {
	step "gc --dry-run: the unpinned config is garbage once the grace period is over (here: no grace)"
	mlops gc --dry-run --grace 0
	mlops --json gc --dry-run
}

# Module demos (datasets, runs, ...) add their step functions here, in the order they should run.
run_demo() {
	setup_and_build
	demo_init
	demo_objects
	demo_info
	demo_verify
	demo_gc
	printf '\ndemo finished: the store is at %s\n' "$STORE"
}

run_demo
