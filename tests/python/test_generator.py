"""The bindings generator: committed outputs up to date, conventions enforced with the culprit named."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "bindings", "gen")
sys.path.insert(0, GEN)

import generate  # noqa: E402


def _headers(tmp_path, text):
	inc = tmp_path / "include" / "mlops"
	inc.mkdir(parents=True)
	(inc / "mlops.h").write_text("#include <stddef.h>\n#include <stdint.h>\n" + text)
	return str(tmp_path)


def test_committed_outputs_match_headers():
	res = subprocess.run([sys.executable, os.path.join(GEN, "generate.py"), "--check"], capture_output=True,
	                     text=True)
	assert res.returncode == 0, res.stderr


def test_check_reports_stale_file(tmp_path):
	root = _headers(tmp_path, "/* Does it. */\nint mlops_x_do(int a);\n")
	files = generate.build(root)
	for rel, text in files.items():
		os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
		with open(os.path.join(root, rel), "w") as f:
			f.write(text)
	assert generate.main(["--check", "--root", root]) == 0
	with open(os.path.join(root, "bindings/python/mlops/_ffi.py"), "a") as f:
		f.write("# edited by hand\n")
	assert generate.main(["--check", "--root", root]) == 1


VIOLATIONS = """
typedef struct mlops_thing mlops_thing;
typedef struct mlops_foo_options { int flags; } mlops_foo_options;
/* Returns a name. */
const char *mlops_bad_return(void);
int mlops_out_late(int a, int *out_x);
int mlops_var(int n, ...);
void mlops_void_call(int a);
/* Never fails. */
void mlops_thing_use(mlops_thing *t);
"""


def test_conventions_are_enforced_naming_the_culprit(tmp_path):
	root = _headers(tmp_path, VIOLATIONS)
	with pytest.raises(SystemExit) as ei:
		generate.build(root)
	msg = str(ei.value)
	assert "mlops_bad_return: returns 'const char *'" in msg
	assert "mlops_out_late: out-parameter 'out_x' comes after an input parameter" in msg
	assert "mlops_var: variadic" in msg
	assert "mlops_void_call: returns 'void'" in msg
	assert "mlops_thing: opaque handle without a mlops_thing_free" in msg
	assert "mlops_foo_options: a versioned struct starts with 'unsigned int version'" in msg
	assert "missing designated-initializer macro MLOPS_FOO_OPTIONS_INIT" in msg
	assert "missing 'int mlops_foo_options_init(" in msg


GOOD = """
#define MLOPS_WIDGET_OPTIONS_VERSION 2
typedef struct mlops_widget mlops_widget;
typedef struct mlops_widget_options {
	unsigned int version; /* MLOPS_WIDGET_OPTIONS_VERSION */
	const char *label;    /* shown to users */
	int64_t size;
} mlops_widget_options;
#define MLOPS_WIDGET_OPTIONS_INIT { .version = MLOPS_WIDGET_OPTIONS_VERSION, .size = -1 }
int mlops_widget_options_init(mlops_widget_options *opts, unsigned int version);
/* Make a widget. Errors: MLOPS_EINVAL. */
int mlops_widget_new(mlops_widget **out, const mlops_widget_options *opts);
/* Its size. Never fails. */
int64_t mlops_widget_size(const mlops_widget *w);
void mlops_widget_free(mlops_widget *w);
/* A scratch buffer. Returns NULL and records MLOPS_ENOMEM when out of memory. */
void *mlops_widget_scratch(size_t n);
#define MLOPS_WIDGET_BATCH_VERSION 1
typedef struct mlops_widget_batch {
	unsigned int version;
	const char *const *names; /* n_items names */
	const double *weights;
	size_t n_items;
} mlops_widget_batch;
#define MLOPS_WIDGET_BATCH_INIT { .version = MLOPS_WIDGET_BATCH_VERSION }
int mlops_widget_batch_init(mlops_widget_batch *batch, unsigned int version);
/* Group consecutive declarations under one comment. Never fail. */
size_t mlops_widget_count(const mlops_widget *w);
double mlops_widget_weight(const mlops_widget *w);
"""


def test_model_of_a_conforming_header(tmp_path):
	root = _headers(tmp_path, GOOD)
	files = generate.build(root)
	api = json.loads(files["bindings/api.json"])
	fns = {f["name"]: f for f in api["functions"]}
	assert fns["mlops_widget_new"]["kind"] == "status"
	assert fns["mlops_widget_new"]["doc"] == "Make a widget. Errors: MLOPS_EINVAL."
	assert [p["name"] for p in fns["mlops_widget_new"]["params"]] == ["out", "opts"]
	assert fns["mlops_widget_size"]["kind"] == "value"
	assert fns["mlops_widget_free"]["kind"] == "free"
	assert fns["mlops_widget_scratch"]["kind"] == "null_on_failure"
	assert [h["name"] for h in api["handles"]] == ["mlops_widget"]
	kinds = {s["name"]: s["kind"] for s in api["structs"]}
	assert kinds["mlops_widget_batch"] == "options"  # filled by the caller: it has an _init function
	assert fns["mlops_widget_weight"]["kind"] == "value" and "Never fail." in fns["mlops_widget_weight"]["doc"]
	assert "class WidgetBatch" not in files["bindings/python/mlops/_records.py"]
	st = api["structs"][0]
	assert st["kind"] == "options" and st["version"] == 2 and st["init_function"] == "mlops_widget_options_init"
	assert st["fields"][1]["doc"] == "shown to users"
	init = [c for c in api["constants"] if c["name"] == "MLOPS_WIDGET_OPTIONS_INIT"][0]
	assert init["fields"] == {"version": 2, "size": -1}
	ffi = files["bindings/python/mlops/_ffi.py"]
	assert "'mlops_widget_size': (c_int64, [c_void_p])" in ffi
	assert "'mlops_widget_new': (c_int, [POINTER(c_void_p), POINTER(mlops_widget_options)])" in ffi
	assert "'mlops_widget_scratch': (c_void_p, [c_size_t])" in ffi
	go = files["bindings/go/mlops_gen.go"]
	assert "func mlops_widget_new(out **C.mlops_widget, opts *C.mlops_widget_options) error {" in go
	assert "func mlops_widget_scratch(n C.size_t) (unsafe.Pointer, error) {" in go
	assert "const WidgetOptionsVersion = 2" in go
