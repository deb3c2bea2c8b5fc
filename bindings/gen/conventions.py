"""Checks the API conventions the bindings rely on, and classifies every function by how it reports failure.

A binding can only be generated mechanically when every function tells failure the same way: it returns an int
status (0 or a negative MLOPS_E* code, details in mlops_error_last()), or it is a void *_free, or its doc comment
says "Never fails.". One more form is accepted because the allocator needs it: a pointer-returning function whose
doc says "Returns NULL and records MLOPS_E..." (the binding checks for NULL and reads the thread-local error).
"""

import re

NEVER_FAILS = re.compile(r"\bNever fails?\b")
NULL_ON_FAILURE = re.compile(r"\bReturns NULL and records MLOPS_E[A-Z]+")


def upper(name):
	return name.upper()


def classify(fn):
	"""Return how fn reports failure: status, value, void, free or null_on_failure (None when none applies)."""
	ret = fn["returns"]
	never = bool(NEVER_FAILS.search(fn["doc"]))
	is_void = ret["base"] == "void" and ret["pointers"] == 0
	if ret["c"] == "int" and not never:
		return "status"
	if is_void and fn["name"].endswith("_free"):
		return "free"
	if never:
		return "void" if is_void else "value"
	if ret["pointers"] > 0 and NULL_ON_FAILURE.search(fn["doc"]):
		return "null_on_failure"
	return None


def check(model):
	"""Annotate model in place (function kinds, struct kinds) and return the list of violations."""
	errors = []
	funcs = {f["name"]: f for f in model["functions"]}
	macros = {m["name"]: m for m in model["macros"]}
	handles = {h["name"] for h in model["handles"]}

	for fn in model["functions"]:
		name = fn["name"]
		if not name.startswith("mlops_"):
			errors.append("%s: public names start with mlops_" % name)
		if fn["variadic"]:
			errors.append("%s: variadic functions are not allowed (cgo cannot call them)" % name)
		kind = classify(fn)
		if kind is None:
			errors.append("%s: returns '%s' but is neither an int status, a void *_free, nor documented "
			              "\"Never fails.\" (or \"Returns NULL and records MLOPS_E...\")" % (name, fn["returns"]["c"]))
		fn["kind"] = kind or "invalid"
		seen_in = False
		for p in fn["params"]:
			if p["name"].startswith("out"):
				if seen_in:
					errors.append("%s: out-parameter '%s' comes after an input parameter; out-parameters go first"
					              % (name, p["name"]))
				if p["type"]["pointers"] == 0:
					errors.append("%s: out-parameter '%s' is not a pointer" % (name, p["name"]))
			else:
				seen_in = True
		if name.endswith("_free") and (kind != "free" or len(fn["params"]) != 1
		                               or fn["params"][0]["type"]["pointers"] != 1):
			errors.append("%s: a *_free function returns void and takes exactly one pointer" % name)

	for h in sorted(handles):
		free = funcs.get(h + "_free")
		if free is None:
			errors.append("%s: opaque handle without a %s_free function" % (h, h))
		elif free["params"] and free["params"][0]["type"]["base"] != h:
			errors.append("%s_free: takes '%s', not '%s *'" % (h, free["params"][0]["type"]["c"], h))

	for s in model["structs"]:
		name = s["name"]
		up = upper(name)
		has_fn = any(f["type"].get("function") for f in s["fields"])
		first = s["fields"][0] if s["fields"] else None
		versioned = first is not None and first["name"] == "version"
		init = funcs.get(name + "_init")
		takes_init = init is not None and [p["type"]["c"] for p in init["params"]] == [name + " *", "unsigned int"]
		if name.endswith("_options") or takes_init:
			# Filled by the caller (options, batches): an _init function gives the defaults of a version.
			s["kind"] = "options"
		elif has_fn:
			s["kind"] = "vtable"
		elif versioned:
			s["kind"] = "versioned"
		else:
			s["kind"] = "record"
		if s["kind"] == "options" or versioned:
			if first is None or first["name"] != "version" or first["type"]["c"] != "unsigned int":
				errors.append("%s: a versioned struct starts with 'unsigned int version'" % name)
			vm = macros.get(up + "_VERSION")
			if vm is None or vm["kind"] != "int":
				errors.append("%s: missing integer macro %s_VERSION" % (name, up))
			else:
				s["version_macro"] = vm["name"]
				s["version"] = vm["value"]
			if s["kind"] != "vtable":
				im = macros.get(up + "_INIT")
				if im is None or im["kind"] != "initializer":
					errors.append("%s: missing designated-initializer macro %s_INIT" % (name, up))
				else:
					s["init_macro"] = im["name"]
					if vm is not None and im["fields"].get("version") != vm.get("value"):
						errors.append("%s: %s_INIT does not set .version = %s_VERSION" % (name, up, up))
		if s["kind"] == "options":
			init = funcs.get(name + "_init")
			sig = [p["type"]["c"] for p in init["params"]] if init else None
			if init is None or sig != [name + " *", "unsigned int"] or init["returns"]["c"] != "int":
				errors.append("%s: missing 'int %s_init(%s *opts, unsigned int version)'" % (name, name, name))
			else:
				s["init_function"] = init["name"]

	for cb in model["callbacks"]:
		names = [p["name"] for p in cb["params"]]
		if "payload" in names and names[-1] != "payload":
			errors.append("%s: a callback takes 'void *payload' last" % cb["name"])
	return errors
