#!/usr/bin/env python3
"""Generate the bindings' low-level layers from the public headers (Python standard library only).

    python3 bindings/gen/generate.py            # write bindings/api.json, the ctypes module and the cgo file
    python3 bindings/gen/generate.py --check    # regenerate in memory; exit 1 listing the files that differ

The headers are read with `clang -Xclang -ast-dump=json` (Debian package `clang`). The generator refuses to write
anything when a public function breaks a convention the bindings rely on (see conventions.py), naming it.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import conventions  # noqa: E402
import cparse  # noqa: E402
import emit_go  # noqa: E402
import emit_python  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUTPUTS = {
	"api": "bindings/api.json",
	"python": "bindings/python/mlops/_ffi.py",
	"records": "bindings/python/mlops/_records.py",
	"go": "bindings/go/mlops_gen.go",
}


def build(root, clang="clang"):
	"""Return {relative path: content} of every generated file; exit with the list of violations if any."""
	model = cparse.read_api(root, clang)
	errors = conventions.check(model)
	if errors:
		msg = ["generate.py: the public headers break %d binding convention(s):" % len(errors)]
		msg += ["  " + e for e in errors]
		raise SystemExit("\n".join(msg))
	version = {m["name"]: m["value"] for m in model["macros"] if m["name"].startswith("MLOPS_VERSION_")}
	api = {
		"generator": "bindings/gen/generate.py",
		"version": {"major": version.get("MLOPS_VERSION_MAJOR"), "minor": version.get("MLOPS_VERSION_MINOR"),
		            "patch": version.get("MLOPS_VERSION_PATCH"), "number": version.get("MLOPS_VERSION_NUMBER"),
		            "string": version.get("MLOPS_VERSION_STRING")},
		"headers": model["files"],
		"functions": model["functions"],
		"handles": model["handles"],
		"enums": model["enums"],
		"structs": model["structs"],
		"callbacks": model["callbacks"],
		"constants": model["macros"],
	}
	go_src = emit_go.emit(model)
	return {
		OUTPUTS["api"]: json.dumps(api, indent=1, sort_keys=False) + "\n",
		OUTPUTS["python"]: emit_python.emit(model),
		OUTPUTS["records"]: emit_python.emit_records(model),
		OUTPUTS["go"]: go_src,
	}


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
	ap.add_argument("--root", default=ROOT, help="repository root (default: %(default)s)")
	ap.add_argument("--clang", default=os.environ.get("CLANG", "clang"), help="clang executable")
	args = ap.parse_args(argv)
	try:
		files = build(args.root, args.clang)
	except cparse.ParseError as e:
		print("generate.py: %s" % e, file=sys.stderr)
		return 2
	except ValueError as e:
		print("generate.py: %s" % e, file=sys.stderr)
		return 2
	if args.check:
		stale = []
		for rel, text in files.items():
			path = os.path.join(args.root, rel)
			try:
				with open(path, encoding="utf-8") as f:
					current = f.read()
			except FileNotFoundError:
				current = None
			if current != text:
				stale.append(rel)
		if stale:
			print("generate.py --check: generated files are out of date with include/mlops "
			      "(run python3 bindings/gen/generate.py):", file=sys.stderr)
			for rel in stale:
				print("  " + rel, file=sys.stderr)
			return 1
		print("generate.py --check: %d generated files match the headers" % len(files))
		return 0
	for rel, text in files.items():
		path = os.path.join(args.root, rel)
		os.makedirs(os.path.dirname(path), exist_ok=True)
		tmp = path + ".tmp"
		with open(tmp, "w", encoding="utf-8") as f:
			f.write(text)
		os.replace(tmp, path)
		print("wrote %s" % rel)
	return 0


if __name__ == "__main__":
	sys.exit(main())
