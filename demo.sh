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

demo_datasets() {
	step "version a small dataset: a directory with a CSV and a README"
	mkdir -p "$WORK/iris"
	cat >"$WORK/iris/train.csv" <<'CSV'
id,sepal_length,petal_length,species
1,5.1,1.4,setosa
2,4.9,1.4,setosa
3,7.0,4.7,versicolor
4,6.4,4.5,versicolor
5,6.3,6.0,virginica
6,5.8,5.1,virginica
CSV
	printf 'Six iris flowers, for the demo.\n' >"$WORK/iris/README.txt"
	mlops data commit -m "six flowers" iris "$WORK/iris"

	step "add two rows and commit again; log, diff (with row counts) and status"
	printf '7,5.0,1.5,setosa\n8,6.7,5.7,virginica\n' >>"$WORK/iris/train.csv"
	mlops data commit -m "two more rows" iris "$WORK/iris"
	mlops data log iris
	mlops data diff iris@v1 iris@v2
	mlops data status "$WORK/iris"

	step "schema and statistics inferred at commit, then validation against expectations"
	mlops data schema iris@latest train.csv
	cat >"$WORK/expect.json" <<'JSON'
{"expectations": [
  {"type": "not_null", "column": "id"},
  {"type": "unique", "column": "id"},
  {"type": "between", "column": "sepal_length", "min": 4, "max": 8},
  {"type": "in_set", "column": "species", "values": ["setosa", "versicolor", "virginica"]},
  {"type": "row_count", "min": 1, "max": 1000}
]}
JSON
	mlops data validate -e "$WORK/expect.json" iris@latest train.csv >/dev/null && echo "validation passed"

	step "check the first version out into a new directory, byte for byte"
	mlops data checkout iris@v1 "$WORK/iris-v1"
	show diff <(head -7 "$WORK/iris/train.csv") "$WORK/iris-v1/train.csv" && echo "v1 restored"
}

demo_runs() {
	step "track a small training run: params, a metric per epoch, the dataset as input"
	RUN="$(mlops runs start --experiment demo --name first-run --tag team=demo)"
	mlops runs log-param "$RUN" lr 0.01
	mlops runs log-param "$RUN" optimizer adam
	for epoch in 0 1 2 3 4; do
		loss="$(python3 -c "print(round(1.0 / (1 + $epoch), 4))")"
		mlops runs log-metric --step "$epoch" "$RUN" loss "$loss"
	done
	mlops runs log-artifact "$RUN" "$WORK/expect.json"
	mlops runs end "$RUN"

	step "search runs with a filter, and the metric history"
	mlops runs search --experiment demo --filter "metrics.loss.min < 0.3 AND params.optimizer = 'adam'" \
		--order-by 'metrics.loss ASC' --metric loss --param lr
	mlops runs metric-history "$RUN" loss
}

# Module demos add their step functions here, in the order they should run.
run_demo() {
	setup_and_build
	demo_init
	demo_objects
	demo_datasets
	demo_runs
	demo_info
	demo_verify
	demo_gc
	printf '\ndemo finished: the store is at %s\n' "$STORE"
}

run_demo
