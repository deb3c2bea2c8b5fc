#!/usr/bin/env bash
# Integration tests of the mlops command-line tool: every command and sub-command, --help, --json output
# (parsed with python3's json module), exit codes 0/1/2, and corruption detection by 'verify'.
#
# Usage: test_cli.sh PATH/TO/mlops
set -uo pipefail

MLOPS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
T="$(mktemp -d "${TMPDIR:-/tmp}/mlops-cli-XXXXXX")"
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
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

# run EXPECTED_RC DESCRIPTION mlops-args... : stdout in $T/out, stderr in $T/err
run() {
	local want="$1" desc="$2" rc
	shift 2
	"$MLOPS" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else bad "$desc: exit $rc, expected $want"; fi
}

# check DESCRIPTION shell-condition...
check() {
	local desc="$1"
	shift
	if "$@"; then ok "$desc"; else bad "$desc"; fi
}

# json PYTHON_EXPRESSION: evaluated with d = the JSON document in $T/out; true when the expression is truthy.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$1"
}
json_field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/out" "$1"
}
out_has() { grep -q -- "$1" "$T/out"; }
err_has() { grep -q -- "$1" "$T/err"; }
is_id() { [[ "$1" =~ ^[0-9a-f]{32}$ ]]; }

echo "# global options"
run 0 "--version" --version
check "--version names the library" out_has "libmlops 0.1"
run 0 "--json --version" --json --version
check "--json --version: cli and library versions" json 'd["cli"] == d["library"] and d["library_number"] >= 100'
run 0 "--help" --help
for c in init info verify gc object; do
	check "--help lists $c" out_has "^  $c "
done
run 2 "no command" 
check "no command: says so" err_has "missing command"
run 2 "unknown command" frobnicate
check "unknown command named" err_has "frobnicate"
run 2 "unknown global option" --frob info
run 2 "--store without a value" --store

echo "# --help of every command and sub-command"
for c in init info verify gc object "object put" "object get" "object cat" "object pin" "object unpin"; do
	# shellcheck disable=SC2086
	run 0 "$c --help" $c --help
	check "$c --help prints a usage line on stdout" out_has "^Usage: mlops"
	check "$c --help prints nothing on stderr" test ! -s "$T/err"
done

echo "# a store must exist before use"
run 1 "info on a missing store" --store "$S" info
check "missing store: MLOPS_ENOTFOUND" err_has "\[MLOPS_ENOTFOUND\]"
check "missing store: message format" err_has "^mlops: open store '$S': "
check "missing store was not created" test ! -e "$S"

echo "# init"
run 0 "init" --store "$S" init
check "init: says created" out_has "Created store at $S"
check "init: directory store" test -f "$S/mlops.db"
run 0 "init again" --store "$S" init
check "init again: says it exists" out_has "already exists"
run 0 "--json init (existing)" --store "$S" --json init
check "--json init: created false" json "d['created'] is False and d['path'] == '$S' and d['format_version'] >= 1"
run 0 "init DIR operand" init "$T/other"
check "init DIR: created there" test -f "$T/other/mlops.db"
run 0 "--json init DIR (new)" --json init "$T/other2"
check "--json init: created true" json 'd["created"] is True'
(cd "$T" && "$MLOPS" init >"$T/out" 2>"$T/err")
check "default store is ./.mlops" test -f "$T/.mlops/mlops.db"
MLOPS_STORE="$T/envstore" "$MLOPS" init >"$T/out" 2>"$T/err"
check "MLOPS_STORE picks the store" test -f "$T/envstore/mlops.db"
run 2 "init with two operands" init a b

echo "# info"
run 0 "info" --store "$S" info
check "info: format version line" out_has "^format version: "
run 0 "--json info" --store "$S" --json info
check "--json info: empty store" json 'd["object_count"] == 0 and d["pin_count"] == 0 and d["format_version"] >= 1'
run 2 "info with an operand" --store "$S" info extra

echo "# object put / get / cat"
printf 'hello, mlops\n' >"$T/hello.txt"
run 0 "object put FILE" --store "$S" object put "$T/hello.txt"
ID="$(cat "$T/out")"
check "put prints an id" is_id "$ID"
run 0 "object put same content" --store "$S" object put "$T/hello.txt"
check "same content, same id" test "$(cat "$T/out")" = "$ID"
run 0 "--json object put" --store "$S" --json object put "$T/hello.txt"
check "--json put: id, size, default pin" json "d['id'] == '$ID' and d['size'] == 13 and d['pin'] == 'cli/$ID'"
run 0 "--json info after put" --store "$S" --json info
check "put pinned the object" json 'd["pin_count"] == 1 and d["object_count"] >= 1'

run 0 "object get ID (stdout)" --store "$S" object get "$ID"
check "get to stdout returns the bytes" cmp -s "$T/out" "$T/hello.txt"
run 0 "object get ID -o FILE" --store "$S" object get "$ID" -o "$T/back.txt"
check "get -o writes the file" cmp -s "$T/back.txt" "$T/hello.txt"
run 0 "object get -o FILE ID (option first)" --store "$S" object get -o "$T/back2.txt" "$ID"
check "get -o before the id" cmp -s "$T/back2.txt" "$T/hello.txt"
run 0 "--json object get -o" --store "$S" --json object get "$ID" -o "$T/back3.txt"
check "--json get -o: id, size, path" json "d['id'] == '$ID' and d['size'] == 13 and d['path'].endswith('back3.txt')"
run 0 "object cat" --store "$S" object cat "$ID"
check "cat prints the bytes" cmp -s "$T/out" "$T/hello.txt"
run 0 "--json object cat (text)" --store "$S" --json object cat "$ID"
check "--json cat: utf-8 content" json 'd["encoding"] == "utf-8" and d["content"] == "hello, mlops\n" and d["size"] == 13'

python3 -c 'import random, sys
r = random.Random(7)
sys.stdout.buffer.write(r.randbytes(3 * 1024 * 1024 + 5))' >"$T/big.bin"
"$MLOPS" --store "$S" object put - <"$T/big.bin" >"$T/out" 2>"$T/err"
check "object put - (stdin, 3 MiB)" test $? -eq 0
BIG="$(cat "$T/out")"
check "put - prints an id" is_id "$BIG"
run 0 "put FILE of the same bytes" --store "$S" object put "$T/big.bin"
check "stdin and file give the same id" test "$(cat "$T/out")" = "$BIG"
run 0 "object get big (streamed)" --store "$S" object get "$BIG"
check "big object round-trips" cmp -s "$T/out" "$T/big.bin"
printf 'a\0b\377' >"$T/bin.dat"
run 0 "put binary" --store "$S" --json object put --name bin "$T/bin.dat"
BIN="$(json_field id)"
check "--name sets the pin" json 'd["pin"] == "bin"'
run 0 "--json object get (binary, no -o)" --store "$S" --json object get "$BIN"
check "--json binary content is base64" json 'd["encoding"] == "base64" and __import__("base64").b64decode(d["content"]) == b"a\0b\xff"'

run 1 "get a missing object" --store "$S" object get 0123456789abcdef0123456789abcdef
check "missing object: MLOPS_ENOTFOUND" err_has "\[MLOPS_ENOTFOUND\]"
run 1 "get a malformed id" --store "$S" object get not-an-id
check "malformed id: MLOPS_EINVAL" err_has "\[MLOPS_EINVAL\]"
run 1 "put a missing file" --store "$S" object put "$T/does-not-exist"
check "missing file: error names it" err_has "does-not-exist"
run 2 "object get without an id" --store "$S" object get
run 2 "object put without a file" --store "$S" object put
run 2 "object put --no-pin --name" --store "$S" object put --no-pin --name x "$T/hello.txt"
run 2 "object get unknown option" --store "$S" object get --frob "$ID"
run 2 "object get -o without a value" --store "$S" object get "$ID" -o
run 2 "object without a sub-command" --store "$S" object
run 2 "object unknown sub-command" --store "$S" object frob
run 0 "object --help" object --help
for c in put get cat pin unpin; do
	check "object --help lists $c" out_has "^  $c "
done

echo "# pins and gc"
run 0 "object pin NAME ID" --store "$S" object pin model/best "$ID"
check "pin: confirmation" out_has "pinned model/best -> $ID"
run 0 "--json object pin" --store "$S" --json object pin model/other "$ID"
check "--json pin: name and id" json "d == {'name': 'model/other', 'id': '$ID'}"
run 0 "object unpin" --store "$S" object unpin model/best
check "unpin: confirmation" out_has "unpinned model/best"
run 0 "--json object unpin" --store "$S" --json object unpin model/other
check "--json unpin: name and id" json "d == {'name': 'model/other', 'id': '$ID'}"
run 1 "unpin a missing pin" --store "$S" object unpin model/best
check "missing pin: MLOPS_ENOTFOUND" err_has "\[MLOPS_ENOTFOUND\]"
run 1 "pin a malformed id" --store "$S" object pin x not-an-id
run 2 "pin with one operand" --store "$S" object pin onlyname

printf 'temporary\n' >"$T/tmp.txt"
run 0 "put --no-pin" --store "$S" --json object put --no-pin "$T/tmp.txt"
TMPID="$(json_field id)"
check "--no-pin: pin null" json 'd["pin"] is None'
run 0 "gc (default grace keeps young blobs)" --store "$S" --json gc
check "gc: nothing removed within the grace period" json 'd["objects_removed"] == 0 and d["objects_young"] >= 1 and d["dry_run"] is False'
run 0 "gc --dry-run --grace 0" --store "$S" --json gc --dry-run --grace 0
check "--dry-run counts the unpinned object" json 'd["dry_run"] is True and d["objects_removed"] == 1'
run 0 "object still there after dry run" --store "$S" object cat "$TMPID"
run 0 "gc --grace 0" --store "$S" gc --grace 0
check "gc: text output" out_has "^removed 1 blobs"
run 1 "unpinned object collected" --store "$S" object cat "$TMPID"
run 0 "pinned object kept" --store "$S" object get "$ID"
check "pinned content intact" cmp -s "$T/out" "$T/hello.txt"
run 2 "gc --grace not a number" --store "$S" gc --grace soon
run 2 "gc --grace negative" --store "$S" gc --grace -5
run 2 "gc extra operand" --store "$S" gc now

echo "# verify"
run 0 "verify a sound store" --store "$S" verify
check "verify: ok line" out_has "^ok: no problems found"
run 0 "--json verify" --store "$S" --json verify
check "--json verify: ok, objects checked" json 'd["ok"] is True and d["objects_checked"] >= 3 and d["problems"] == []'
C="$T/corrupt"
"$MLOPS" --store "$C" init >/dev/null 2>&1
"$MLOPS" --store "$C" object put "$T/hello.txt" >"$T/out" 2>"$T/err"
CID="$(cat "$T/out")"
python3 - "$C/objects" <<'EOF'
import os, sys
files = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs]
assert len(files) == 1, files
p = files[0]
os.chmod(p, 0o644)
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
EOF
run 1 "verify after a flipped byte" --store "$C" verify
check "verify names the corrupt object" out_has "corrupt.*$CID"
run 1 "--json verify after a flipped byte" --store "$C" --json verify
check "--json verify: problem reported" json "d['ok'] is False and d['objects_corrupt'] == 1 and d['problems'][0]['kind'] == 'corrupt' and d['problems'][0]['object'] == '$CID'"
run 1 "get a corrupt object" --store "$C" object get "$CID"
check "corrupt object: MLOPS_ECORRUPT, no bytes" bash -c "grep -q 'MLOPS_ECORRUPT' '$T/err' && test ! -s '$T/out'"
run 1 "get -o a corrupt object" --store "$C" object get "$CID" -o "$T/never.txt"
check "no file written for a corrupt object" test ! -e "$T/never.txt"

echo "# single-file store (--backend sqlite)"
run 0 "init --backend sqlite" --store "$T/one.db" --backend sqlite init
check "single file created" test -f "$T/one.db"
run 0 "put into the single-file store" --store "$T/one.db" --backend sqlite object put "$T/big.bin"
check "same id in every backend" test "$(cat "$T/out")" = "$BIG"
run 0 "get from the single-file store" --store "$T/one.db" --backend sqlite object get "$BIG"
check "single-file round trip" cmp -s "$T/out" "$T/big.bin"
run 0 "verify the single-file store" --store "$T/one.db" --backend sqlite --json verify
check "single-file verify ok" json 'd["ok"] is True'
run 1 "unknown backend" --store "$T/x" --backend nosuch init

echo
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
