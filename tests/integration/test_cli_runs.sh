#!/usr/bin/env bash
# Integration tests of 'mlops experiments' and 'mlops runs' (list, show, start, log-*, set-tag, end, delete,
# restore, purge, metric-history, and how search, compare and export name experiments and runs): exit codes
# 0/1/2, --help, --json output checked with python3, experiments by id or name, run id prefixes.
#
# Usage: test_cli_runs.sh PATH/TO/mlops
set -uo pipefail

MLOPS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
T="$(mktemp -d "${TMPDIR:-/tmp}/mlops-cli-runs-XXXXXX")"
trap 'rm -rf "$T"' EXIT
unset MLOPS_STORE
export MLOPS_ACTOR=cli-runs-test
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
# jcheck DESCRIPTION PYTHON-EXPRESSION-ON-j : evaluates the expression on the JSON in $T/out
jcheck() {
	if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$T/out" "$2" 2>>"$T/err"; then ok "$1"; else bad "$1"; fi
}
grep_out() { if grep -q -- "$2" "$T/out"; then ok "$1"; else bad "$1"; fi; }
grep_err() { if grep -q -- "$2" "$T/err"; then ok "$1"; else bad "$1"; fi; }

"$MLOPS" --store "$S" init >/dev/null || { echo "not ok - init"; exit 1; }

# ---- experiments ----
run 0 "experiments --help" experiments --help
grep_out "help lists create" "create"
run 0 "experiments create" experiments create vision
grep_out "create prints the id" "experiment 1 'vision'"
run 1 "experiments create duplicate" experiments create vision
grep_err "duplicate names the error" "MLOPS_EEXISTS"
run 2 "experiments create without a name" experiments create
run 0 "experiments create --json" --json experiments create --artifact-location s3://b/nlp nlp
jcheck "create --json fields" 'j["experiment_id"] == "2" and j["artifact_location"] == "s3://b/nlp"'
run 0 "experiments list --json" --json experiments list
jcheck "list has Default, vision, nlp" '[e["name"] for e in j] == ["Default", "vision", "nlp"]'
run 0 "experiments rename by name" experiments rename nlp language
run 1 "experiments rename to a taken name" experiments rename language vision
run 1 "experiments delete Default" experiments delete 0
grep_err "Default cannot be deleted" "MLOPS_EINVAL"
run 0 "experiments delete" experiments delete language
run 0 "experiments list --deleted" --json experiments list --deleted
jcheck "deleted list" '[e["name"] for e in j] == ["language"] and j[0]["lifecycle_stage"] == "deleted"'
run 0 "experiments restore" experiments restore 2
run 0 "experiments list --name-like" --json experiments list --name-like 'v%'
jcheck "name-like is case-sensitive LIKE" '[e["name"] for e in j] == ["vision"]'

# ---- a run logged from the shell ----
mkdir -p "$T/model/sub"
printf 'weights' >"$T/model/w.bin"
printf '#!/bin/sh\n' >"$T/model/sub/run.sh"
chmod 755 "$T/model/sub/run.sh"
run 0 "runs start" runs start --experiment vision --name first --tag team=cv --git-commit abc123
ID="$(cat "$T/out")"
if [[ "$ID" =~ ^[0-9a-f]{32}$ ]]; then ok "runs start prints a run id"; else bad "runs start prints a run id"; fi
run 2 "runs start --tag without =" runs start --tag bad
run 0 "runs log-param" runs log-param "$ID" lr 0.1
run 0 "runs log-param same value" runs log-param "$ID" lr 0.1
run 1 "runs log-param other value" runs log-param "$ID" lr 0.2
grep_err "conflict names both values" "already logged as '0.1', refusing '0.2'"
run 0 "runs log-param --overwrite" runs log-param --overwrite "$ID" lr 0.2
run 1 "runs log-param bad key" runs log-param "$ID" /abs 1
for s in 0 1 2 3; do run 0 "runs log-metric step $s" runs log-metric --step "$s" "$ID" loss "0.$((9 - s))"; done
run 0 "runs log-metric nan" runs log-metric --step 4 "$ID" loss nan
run 2 "runs log-metric not a number" runs log-metric "$ID" loss abc
run 0 "runs set-tag note" runs set-tag "$ID" mlflow.note.content "first try"
run 0 "runs log-artifact dir" --json runs log-artifact --artifact-path model "$ID" "$T/model"
jcheck "artifacts with modes" 'sorted((a["path"], a["mode"]) for a in j) == [("model/model/sub/run.sh", 493), ("model/model/w.bin", 420)]'
run 0 "runs end" runs end "$ID"
run 1 "runs log-param after end" runs log-param "$ID" late 1
grep_err "finished run refuses params" "is FINISHED"
run 1 "runs log-artifact after end" runs log-artifact "$ID" "$T/model"
run 0 "runs set-tag after end" runs set-tag "$ID" reviewed yes
run 0 "runs set-tag --delete" runs set-tag --delete "$ID" reviewed
run 1 "runs set-tag --delete missing" runs set-tag --delete "$ID" reviewed

# ---- reading ----
run 0 "runs show --json" --json runs show "$ID"
jcheck "show: info" 'j["info"]["run_name"] == "first" and j["info"]["status"] == "FINISHED" and j["info"]["experiment_id"] == "1"'
jcheck "show: params" 'j["data"]["params"] == {"lr": "0.2"}'
jcheck "show: metric summary" 'j["data"]["metrics"]["loss"]["last"] == "NaN" and j["data"]["metrics"]["loss"]["count"] == 5 and j["data"]["metrics"]["loss"]["min"] == 0.6 and j["data"]["metrics"]["loss"]["max"] == 0.9'
jcheck "show: tags" 'j["data"]["tags"]["team"] == "cv" and j["data"]["tags"]["mlflow.source.git.commit"] == "abc123" and j["data"]["tags"]["mlflow.note.content"] == "first try" and j["data"]["tags"]["mlflow.user"] == "cli-runs-test"'
run 0 "runs show text" runs show "$ID"
grep_out "show text has the metric" "loss"
run 1 "runs show unknown" runs show 0123456789abcdef0123456789abcdef
grep_err "unknown run" "MLOPS_ENOTFOUND"
run 1 "runs show malformed id" runs show xyz
run 0 "runs metric-history" runs metric-history "$ID" loss
if [ "$(head -1 "$T/out" | cut -d' ' -f1,3)" = "0 0.9" ] && [ "$(tail -1 "$T/out" | cut -d' ' -f3)" = "NaN" ]; then
	ok "metric-history lines"; else bad "metric-history lines"; fi
run 0 "runs metric-history --json range" --json runs metric-history --from 1 --to 2 "$ID" loss
jcheck "history range" '[p["step"] for p in j["points"]] == [1, 2] and j["points"][0]["value"] == 0.8'
run 0 "runs metric-history --max-points" --json runs metric-history --max-points 2 "$ID" loss
jcheck "downsampled to 2 points" 'len(j["points"]) == 2'
run 2 "runs metric-history --max-points 1" runs metric-history --max-points 1 "$ID" loss
run 0 "runs list --experiment" --json runs list --experiment 1
jcheck "list by experiment" '[r["run_id"] for r in j] == ["'"$ID"'"]'

# ---- delete, restore, purge ----
run 0 "runs delete" runs delete "$ID"
run 1 "runs delete twice" runs delete "$ID"
run 0 "runs list hides deleted" --json runs list
jcheck "deleted run hidden" 'all(r["run_id"] != "'"$ID"'" for r in j)'
run 0 "runs list --deleted" --json runs list --deleted
jcheck "deleted run listed" '[r["run_id"] for r in j] == ["'"$ID"'"] and j[0]["lifecycle_stage"] == "deleted"'
run 0 "runs restore" runs restore "$ID"
run 0 "runs delete again" runs delete "$ID"
run 0 "runs purge --json" --json runs purge
jcheck "one run purged" 'j["purged"] == 1'
run 1 "purged run is gone" runs show "$ID"
run 0 "runs --help" runs --help
grep_out "help lists metric-history" "metric-history"
run 2 "runs unknown sub-command" runs frobnicate

# ---- experiments named by id or by name, everywhere ----
run 0 "runs start in vision" runs start --experiment vision --name second
ID2="$(cat "$T/out")"
run 0 "runs list --experiment NAME" --json runs list --experiment vision
jcheck "list by experiment name" '[r["run_id"] for r in j] == ["'"$ID2"'"]'
run 0 "runs search --experiment NAME" runs search --experiment vision --json
jcheck "search by experiment name" '[r["info"]["run_id"] for r in j["runs"]] == ["'"$ID2"'"]'
run 1 "runs list --experiment unknown" runs list --experiment nosuch
grep_err "unknown experiment named" "no experiment with id or name 'nosuch'"
run 1 "runs search --experiment unknown" runs search --experiment nosuch
grep_err "search names the unknown experiment" "no experiment with id or name 'nosuch'"
run 0 "experiments create an all-digits name" --json experiments create 2024
E2024="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["experiment_id"])' "$T/out")"
run 0 "runs start --experiment ID" --json runs start --experiment 1
jcheck "start by id uses the experiment" 'j["experiment_id"] == "1"'
ID3="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$T/out")"
run 0 "experiments list after start by id" --json experiments list
jcheck "start by id created no experiment named '1'" 'all(e["name"] != "1" for e in j)'
run 0 "runs start --experiment all-digits name" --json runs start --experiment 2024
jcheck "all-digits name without such id is a name" 'j["experiment_id"] == "'"$E2024"'"'
run 0 "runs list --experiment all-digits name" --json runs list --experiment 2024
jcheck "list by all-digits name" 'len(j) == 1 and j[0]["experiment_id"] == "'"$E2024"'"'
run 0 "runs list --experiment ID" --json runs list --experiment 1
jcheck "list by id" 'sorted(r["run_id"] for r in j) == sorted(["'"$ID2"'", "'"$ID3"'"])'
run 0 "experiments rename all-digits name" experiments rename 2024 y2024
grep_out "renamed by name" "experiment $E2024 'y2024'"
run 0 "runs export --experiment NAME" --json runs export --experiment vision "$T/exp1"
jcheck "export by name" 'j["experiments"] == 1 and j["runs"] == 2'
run 1 "runs export --experiment unknown" runs export --experiment nosuch "$T/exp2"

# ---- --json after the sub-command, and in every --help ----
run 0 "runs metric-history --json after the sub-command" runs log-metric "$ID2" loss 0.5
run 0 "runs metric-history --json" runs metric-history --json "$ID2" loss
jcheck "metric-history --json output" 'j["run_id"] == "'"$ID2"'" and [p["value"] for p in j["points"]] == [0.5]'
run 0 "runs list --json after the sub-command" runs list --json --experiment vision
jcheck "runs list --json output" 'len(j) == 2'
run 0 "runs show --json after the sub-command" runs show --json "$ID2"
jcheck "runs show --json output" 'j["info"]["run_id"] == "'"$ID2"'"'
run 0 "runs log-param --json after the sub-command" runs log-param --json "$ID2" opt adam
jcheck "log-param --json output" 'j == {"run_id": "'"$ID2"'", "key": "opt", "value": "adam"}'
run 0 "experiments list --json after the sub-command" experiments list --json
jcheck "experiments list --json output" '"vision" in [e["name"] for e in j]'
run 0 "experiments rename --json after the sub-command" experiments rename --json y2024 z2024
jcheck "experiments rename --json output" 'j["name"] == "z2024"'
for sub in list show delete restore purge metric-history start log-param log-metric set-tag log-artifact end \
	search compare export import; do
	run 0 "runs $sub --help" runs "$sub" --help
	grep_out "runs $sub --help lists --json" "--json\]"
done
for sub in list create rename delete restore; do
	run 0 "experiments $sub --help" experiments "$sub" --help
	grep_out "experiments $sub --help lists --json" "--json\]"
done
for sub in list search export; do
	run 0 "runs $sub --help (experiment)" runs "$sub" --help
	grep_out "runs $sub --help says EXP is an id or a name" "an id or a name"
done

# ---- run id prefixes ----
P2="${ID2:0:8}"
run 0 "runs show PREFIX" --json runs show "$P2"
jcheck "show by prefix finds the run" 'j["info"]["run_id"] == "'"$ID2"'"'
run 0 "runs log-metric PREFIX" runs log-metric --step 1 "$P2" loss 0.25
run 0 "runs metric-history PREFIX" --json runs metric-history "$P2" loss
jcheck "history by prefix" 'j["run_id"] == "'"$ID2"'" and [p["value"] for p in j["points"]] == [0.5, 0.25]'
run 0 "runs set-tag PREFIX" runs set-tag "${ID2:0:4}" stage dev
run 0 "runs compare PREFIXES" --json runs compare "$P2" "${ID3:0:8}"
jcheck "compare by prefixes" '[r["info"]["run_id"] for r in j["runs"]] == ["'"$ID2"'", "'"$ID3"'"]'
run 0 "runs end PREFIX" --json runs end "$P2"
jcheck "end by prefix" 'j["run_id"] == "'"$ID2"'" and j["status"] == "FINISHED"'
run 0 "runs show an uppercase id" --json runs show "$(echo "$ID2" | tr a-f A-F)"
jcheck "uppercase id names the run" 'j["info"]["run_id"] == "'"$ID2"'"'
run 0 "runs show an uppercase prefix" --json runs show "$(echo "$P2" | tr a-f A-F)"
jcheck "uppercase prefix names the run" 'j["info"]["run_id"] == "'"$ID2"'"'
run 1 "runs show too short a prefix" runs show "${ID2:0:3}"
grep_err "3 characters are not a prefix" "not a run id"
# Two runs whose ids share a prefix, made by importing copies of an exported run under chosen ids.
RD="$T/exp1/1/$ID3"
for n in 1 2; do
	NEW="beefbeef$(printf '%024d' "$n")"
	mkdir -p "$T/dup/1"
	cp -r "$RD" "$T/dup/1/$NEW"
	sed -i "s/$ID3/$NEW/g" "$T/dup/1/$NEW/meta.yaml"
done
cp "$T/exp1/1/meta.yaml" "$T/dup/1/meta.yaml"
run 0 "runs import runs sharing a prefix" runs import "$T/dup"
run 1 "runs show ambiguous prefix" runs show beefbeef
B1="beefbeef$(printf '%024d' 1)" B2="beefbeef$(printf '%024d' 2)"
grep_err "ambiguous prefix lists the candidates" "ambiguous.*$B1.*$B2"
run 1 "runs delete ambiguous prefix" runs delete beefbeef0000
run 0 "runs show the full id" runs show "$B1"
run 1 "runs delete a 31-digit prefix of two runs" runs delete beefbeef00000000000000000000000
grep_err "31 digits still ambiguous" "ambiguous"
run 1 "runs show unknown prefix" runs show beefbeef1
grep_err "unknown prefix" "no run with id prefix 'beefbeef1'"
run 0 "runs delete PREFIX" --json runs delete "${ID3:0:10}"
jcheck "delete by prefix" 'j["run_id"] == "'"$ID3"'" and j["lifecycle_stage"] == "deleted"'
run 0 "runs restore PREFIX (deleted run)" --json runs restore "${ID3:0:10}"
jcheck "restore by prefix" 'j["run_id"] == "'"$ID3"'"'
run 0 "runs delete again by prefix" runs delete "${ID3:0:10}"
run 0 "runs purge PREFIX" --json runs purge "${ID3:0:10}"
jcheck "purge by prefix" 'j["purged"] == 1'

# ---- compare names the library's error ----
run 1 "runs compare unknown id" runs compare "$ID2" 0123456789abcdef0123456789abcdef
grep_err "compare: unknown run named" "run 0123456789abcdef0123456789abcdef not found \[MLOPS_ENOTFOUND\]"
if grep -q "unknown error\|MLOPS_OK" "$T/err"; then bad "compare: no empty error"; else ok "compare: no empty error"; fi
run 1 "runs compare malformed id" runs compare "$ID2" xyz
grep_err "compare: malformed id named" "'xyz' is not a run id.*\[MLOPS_EINVAL\]"
run 1 "runs compare unknown prefix" runs compare "$ID2" abcdabcd0
grep_err "compare: unknown prefix named" "no run with id prefix 'abcdabcd0'"

echo "# runs CLI: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
