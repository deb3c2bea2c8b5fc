#!/usr/bin/env bash
# Integration test of 'mlops data' (versions side): commit, log, show, diff, tag, cat, checkout, status, push,
# pull, delete, gc, with --json parsed by python3 and the exit codes 0/1/2.
#
# Usage: test_cli_data.sh PATH/TO/mlops
set -uo pipefail

MLOPS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
T="$(mktemp -d "${TMPDIR:-/tmp}/mlops-cli-data-XXXXXX")"
trap 'rm -rf "$T"' EXIT
unset MLOPS_STORE
export MLOPS_ACTOR=cli-data-test
S="$T/store"
pass=0
failed=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() {
	failed=$((failed + 1))
	echo "not ok - $1"
	[ -s "$T/out" ] && { echo "  stdout:"; head -c 2000 "$T/out" | sed 's/^/    /'; echo; }
	[ -s "$T/err" ] && { echo "  stderr:"; head -c 2000 "$T/err" | sed 's/^/    /'; }
	return 0
}
run() {
	local want="$1" desc="$2" rc
	shift 2
	"$MLOPS" --store "$S" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else bad "$desc: exit $rc, expected $want"; fi
}
check() {
	local desc="$1"
	shift
	if "$@"; then ok "$desc"; else bad "$desc"; fi
}
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$1"
}
out_has() { grep -q -- "$1" "$T/out"; }
err_has() { grep -q -- "$1" "$T/err"; }

"$MLOPS" --store "$S" init >/dev/null || { echo "Bail out! init failed"; exit 1; }
W="$T/work"
mkdir -p "$W/sub"
printf 'id,x\n1,0.5\n2,1.5\n' >"$W/train.csv"
printf 'notes v1\n' >"$W/sub/notes.txt"

echo "# commit, log, show"
run 0 "data commit" --json data commit -m first --metadata '{"k": 1}' iris "$W"
check "commit: created v1 with 2 files" json 'd["created"] and d["seq"] == 1 and d["files"] == 2'
run 0 "data commit of an unchanged tree" --json data commit iris "$W"
check "unchanged: no new version" json 'not d["created"] and d["seq"] == 1'
printf 'id,x,y\n1,0.5,a\n2,1.5,b\n3,2.5,c\n' >"$W/train.csv"
run 0 "data commit v2" data commit -m second iris "$W"
check "commit prints name@v2" out_has "iris@v2"
run 0 "data log" --json data log iris
check "log: two versions, newest first" json 'len(d) == 2 and d[0]["seq"] == 2 and d[1]["message"] == "first"'
run 0 "data show" --json data show iris@v1
check "show: files with rows" json 'd["version"]["metadata"] == {"k": 1} and [f["rows"] for f in d["files"]] == [None, 2]'
run 0 "data list" --json data list
check "list: iris with 2 versions" json 'd[0]["name"] == "iris" and d[0]["versions"] == 2'

echo "# diff, tag, cat"
run 0 "data diff" --json data diff iris@v1 iris@v2
check "diff: train.csv modified, rows 2 -> 3, column y added" \
	json 'len(d) == 1 and d[0]["old_rows"] == 2 and d[0]["new_rows"] == 3 and d[0]["schema_change"]["added"][0]["name"] == "y"'
run 0 "data tag" data tag iris@v1 gold
run 1 "data tag again on another version" data tag iris@v2 gold
check "tag conflict names the tag" err_has "gold"
run 0 "data tag --ref" data tag --ref iris@v2 prod
run 0 "data tag -l" --json data tag -l iris
check "tags and refs listed" json '[(r["name"], r["kind"]) for r in d] == [("gold", "tag"), ("prod", "ref")]'
run 0 "data cat" data cat iris@gold train.csv
check "cat: v1 content" out_has "1,0.5"
run 0 "data cat --offset --length" data cat --offset 3 --length 3 iris@prod train.csv
check "cat range" test "$(cat "$T/out")" = "x,y"

echo "# checkout, status"
run 0 "data checkout" --json data checkout iris@v1 "$T/co"
check "checkout wrote 2 files" json 'd["files_written"] == 2'
check "checked-out file" grep -q "1,0.5" "$T/co/train.csv"
run 0 "data status, clean" --json data status "$T/co"
check "status clean" json 'd["unchanged"] == 2 and d["modified"] == 0'
printf 'local\n' >"$T/co/sub/notes.txt"
run 0 "data status, modified" data status "$T/co"
check "status lists M sub/notes.txt" out_has "M sub/notes.txt"
run 1 "data checkout over a local modification" data checkout iris@v2 "$T/co"
check "conflict reported" err_has "locally modified"
run 0 "data checkout --force" data checkout --force iris@v2 "$T/co"
check "forced checkout wrote v2" grep -q "2.5,c" "$T/co/train.csv"

echo "# push, pull, delete, gc"
run 0 "data push" --json data push iris@gold "$T/remote"
check "push created the version there" json 'd["created"] and d["blobs_copied"] > 0'
run 0 "data push again" --json data push iris@gold "$T/remote"
check "second push copies nothing" json 'not d["created"] and d["blobs_copied"] == 0'
"$MLOPS" --store "$T/other" init >/dev/null
run 0 "data pull" --json data pull iris@gold "$T/remote"
check "pull is a no-op here" json 'not d["created"]'
run 0 "data delete" data delete iris
run 1 "data log of a deleted dataset" data log iris
run 0 "data gc" --json data gc --grace 0
check "gc removed the deleted dataset's objects" json 'd["objects_removed"] > 0'

echo "# usage errors"
run 2 "data without a command" data
run 2 "data bogus" data bogus
run 2 "data commit without operands" data commit
run 2 "data log with an unknown option" data log --nope iris
run 0 "data --help" data --help
check "help lists the sub-commands" out_has "checkout"

echo "# $pass passed, $failed failed"
[ "$failed" = 0 ]
