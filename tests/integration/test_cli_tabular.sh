#!/usr/bin/env bash
# Integration tests of 'mlops data schema|stats|validate': local files and files of a committed version,
# --json documents (parsed with python3's json module), options, exit codes 0/1/2 and parse errors with lines.
#
# Usage: test_cli_tabular.sh PATH/TO/mlops
set -uo pipefail

MLOPS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
T="$(mktemp -d "${TMPDIR:-/tmp}/mlops-cli-tab-XXXXXX")"
trap 'rm -rf "$T"' EXIT
unset MLOPS_STORE
export MLOPS_ACTOR=cli-test
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
	"$MLOPS" "$@" >"$T/out" 2>"$T/err" </dev/null
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
err_has() { grep -q -- "$1" "$T/err"; }

mkdir -p "$T/data"
cat >"$T/data/people.csv" <<'CSV'
id,age,city,email
1,34,"Paris, FR",a@x.org
2,,Lyon,b@y.org
3,150,Nice,not-an-email
3,41,"Lyon",d@z.org
CSV
printf 'a;b\n1;x\n2;y\n' >"$T/data/semi.txt"
printf '{"k":1,"v":"a"}\n{"k":2,"v":\n' >"$T/data/broken.jsonl"
cat >"$T/exp.json" <<'JSON'
{"expectations":[{"type":"not_null","column":"age"},{"type":"between","column":"age","min":0,"max":130},
 {"type":"unique","column":"id"},{"type":"regex","column":"email","pattern":"^[^@]+@[^@]+$"},
 {"type":"row_count","min":1,"max":10}]}
JSON
printf '{"expectations":[{"type":"row_count","min":1}]}' >"$T/pass.json"

echo "# local files"
run 0 "schema --file --json" data schema --file "$T/data/people.csv" --json
check "schema: four columns, age int nullable" json 'len(d["columns"]) == 4 and d["columns"][1] == {"name": "age", "type": "int", "nullable": True}'
run 0 "stats --file --json" data stats --file "$T/data/people.csv" --json
check "stats: rows 4, age max 150, city top Lyon x2" json 'd["rows"] == 4 and d["columns"]["age"]["max"] == 150 and d["columns"]["city"]["top"][0] == {"value": "Lyon", "count": 2}'
run 0 "schema with --format csv --delimiter ';'" data schema --file "$T/data/semi.txt" --format csv -d ';' --json
check "semicolon file: columns a (int), b (string)" json '[c["type"] for c in d["columns"]] == ["int", "string"]'
run 1 "schema of a file without a known extension" data schema --file "$T/data/semi.txt"
run 1 "stats of a broken JSON Lines file" data stats --file "$T/data/broken.jsonl"
check "the error names the file and line 2" err_has "broken.jsonl: line 2: "
check "the error is MLOPS_EPARSE" err_has "MLOPS_EPARSE"
run 1 "validate: failing expectations exit 1" data validate --file "$T/data/people.csv" -e "$T/exp.json" --json
check "report: not_null [2], between [3], unique [3,4], regex [3]" json '[r["examples"] for r in d["results"]] == [[2], [3], [3, 4], [3], []] and d["success"] is False'
run 0 "validate: passing expectations exit 0" data validate --file "$T/data/people.csv" -e "$T/pass.json" --json
check "report success" json 'd["success"] is True and d["rows"] == 4'
run 2 "validate without expectations is a usage error" data validate --file "$T/data/people.csv"
run 2 "unknown --format" data schema --file "$T/data/people.csv" --format xml
printf '{"expectations":[{"type":"between","column":"age"}]}' >"$T/bad.json"
run 1 "bad expectations" data validate --file "$T/data/people.csv" -e "$T/bad.json"
check "the error names the expectation" err_has "expectation 0 (between)"

echo "# files of a version"
run 0 "init" --store "$S" init
run 0 "commit" --store "$S" data commit people "$T/data"
run 0 "schema of a version file (stored at commit)" --store "$S" data schema people people.csv --json
check "stored schema: email string" json 'd["columns"][3]["type"] == "string"'
run 0 "stats of a version file" --store "$S" data stats people@v1 people.csv --json
check "stored stats: 4 rows, 1 null age" json 'd["rows"] == 4 and d["columns"]["age"]["nulls"] == 1'
run 1 "validate a version file" --store "$S" data validate people people.csv -e "$T/exp.json" --json
check "same report as the local file" json '[r["unexpected_count"] for r in d["results"]] == [1, 1, 2, 1, 0]'
cp "$T/data/people.csv" "$T/new.csv"
printf '4,x,Metz,e@f.org,extra\n' >>"$T/new.csv"
run 1 "a ragged new file fails to parse" --store "$S" data validate --file "$T/new.csv" --schema-of people:people.csv
check "ragged row on line 6" err_has "new.csv: line 6: more than the 4 fields"
printf 'id,age,city,email\n5,x,Metz,e@f.org\n' >"$T/new2.csv"
run 1 "validate a new file against the stored schema" --store "$S" data validate --file "$T/new2.csv" --schema-of people:people.csv --json
check "age must be int: row 1" json 'any(r["expectation"].get("column") == "age" and r["examples"] == [1] for r in d["results"])'
run 1 "a missing path" --store "$S" data schema people nope.csv
run 1 "a broken file of a version" --store "$S" data stats people broken.jsonl
check "its stored parse error names line 2" err_has "line 2"

echo "# $pass passed, $failed failed"
[ "$failed" = 0 ]
