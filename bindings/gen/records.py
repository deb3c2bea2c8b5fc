"""Describes the structs the library hands out (infos, entries, stats) as plain records for the bindings.

A record field is a C field seen from the binding's side: strings decoded, `T *x` with a sibling `size_t n_x`
read as a list (or, for key/value pairs, a mapping), a pointer to one struct as a nested record, char arrays as
strings. The count fields and a leading `version` field are not part of the record.
"""

_INTS = {"int", "unsigned int", "int64_t", "uint64_t", "int32_t", "uint32_t", "size_t", "long", "unsigned long",
         "int16_t", "uint16_t", "int8_t", "uint8_t"}
_FLOATS = {"double", "float"}
KV = "mlops_runs_kv"


def record_name(cname):
	rest = cname[len("mlops_"):] if cname.startswith("mlops_") else cname
	return "".join(p[:1].upper() + p[1:] for p in rest.split("_") if p)


def record_structs(model):
	"""The structs to expose as records: those the library fills (record and versioned kinds)."""
	return [s for s in model["structs"] if s["kind"] in ("record", "versioned") and s["name"] != "mlops_error"]


def fields_of(struct, model):
	"""Logical fields of a record struct, or raise ValueError for a field no binding can read."""
	names = {f["name"] for f in struct["fields"]}
	structs = {s["name"] for s in model["structs"]}
	out = []
	for i, f in enumerate(struct["fields"]):
		name, t = f["name"], f["type"]
		if i == 0 and name == "version" and struct["kind"] == "versioned":
			continue
		if name.startswith("n_") and name[2:] in names:
			continue
		where = "%s.%s" % (struct["name"], name)
		base, ptrs = t.get("base"), t.get("pointers")
		count = "n_" + name if "n_" + name in names else None
		entry = {"name": name, "doc": f["doc"], "c": t.get("c")}
		if t.get("function"):
			raise ValueError("%s: a function pointer in a record" % where)
		if "array" in t:
			if base != "char":
				raise ValueError("%s: only char arrays are supported in records" % where)
			entry["kind"] = "chars"
		elif ptrs == 0 and base in _INTS:
			entry["kind"] = "int"
			entry["ctype"] = base
		elif ptrs == 0 and base in _FLOATS:
			entry["kind"] = "float"
		elif ptrs == 1 and base == "char":
			if count:
				raise ValueError("%s: a char * with a count is ambiguous" % where)
			entry["kind"] = "str"
		elif ptrs == 2 and base == "char" and count:
			entry["kind"] = "strlist"
			entry["count"] = count
		elif ptrs == 1 and base == KV and count:
			entry["kind"] = "kv"
			entry["count"] = count
		elif ptrs == 1 and base in structs and count:
			entry["kind"] = "list"
			entry["struct"] = base
			entry["count"] = count
		elif ptrs == 1 and base in structs:
			entry["kind"] = "struct"
			entry["struct"] = base
		else:
			raise ValueError("%s: no record mapping for '%s'" % (where, t.get("c")))
		out.append(entry)
	return out
