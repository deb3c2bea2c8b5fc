"""Reads the public headers into a plain model of the API (what bindings/api.json holds).

The declarations come from clang's JSON AST dump; doc comments, field comments, parameter names of function
pointer types and macros come from the header text itself, located through the offsets clang reports. Only the
Python standard library is used.
"""

import ast
import json
import os
import re
import subprocess

HEADER_DIR = "include/mlops"
UMBRELLA = "include/mlops/mlops.h"

_QUALIFIERS = {"const", "volatile", "struct", "enum", "union", "restrict", "__restrict"}


class ParseError(Exception):
	pass


def parse_type(text):
	"""Split a C type spelling such as 'const mlops_store_options *' into its parts."""
	text = " ".join(text.replace("*", " * ").split())
	array = None
	m = re.search(r"\[(\d*)\]\s*$", text)
	if m:
		array = int(m.group(1)) if m.group(1) else 0
		text = text[:m.start()].strip()
	pointers = text.count("*")
	words = text.replace("*", " ").split()
	const = bool(words) and words[0] == "const"
	base = " ".join(w for w in words if w not in _QUALIFIERS)
	t = {"c": _spell(base, const, pointers, text), "base": base, "const": const, "pointers": pointers}
	if array is not None:
		t["array"] = array
	return t


def _spell(base, const, pointers, original):
	prefix = "const " if const else ""
	tag = ""
	if re.match(r"^(const\s+)?struct\s", original):
		tag = "struct "
	return (prefix + tag + base + (" " + "*" * pointers if pointers else "")).strip()


def _split_params(text):
	"""Split a parameter list at its top-level commas."""
	out, depth, cur = [], 0, ""
	for ch in text:
		if ch == "(":
			depth += 1
		elif ch == ")":
			depth -= 1
		if ch == "," and depth == 0:
			out.append(cur.strip())
			cur = ""
		else:
			cur += ch
	if cur.strip():
		out.append(cur.strip())
	return out


def _fnptr_types(qualtype):
	"""'int (*)(mlops_backend *, size_t)' -> ('int', ['mlops_backend *', 'size_t']), or None."""
	m = re.match(r"^(.*?)\s*\(\*\)\((.*)\)$", qualtype)
	if not m:
		return None
	params = _split_params(m.group(2))
	if params == ["void"]:
		params = []
	return m.group(1), params


def _param_names(decl_text, count):
	"""Parameter names of a function pointer declarator such as 'int (*cb)(const char *key, void *payload)'."""
	m = re.search(r"\(\s*\*\s*\w+\s*\)\s*\((.*)\)\s*;?\s*$", decl_text, re.S)
	names = []
	if m:
		for i, p in enumerate(_split_params(m.group(1))):
			w = re.search(r"([A-Za-z_]\w*)\s*(\[\d*\])?$", p)
			words = re.findall(r"[A-Za-z_]\w*", p)
			if w and len(words) > 1 and w.group(1) not in _QUALIFIERS and not p.rstrip().endswith("*"):
				names.append(w.group(1))
			else:
				names.append("arg%d" % i)
	while len(names) < count:
		names.append("arg%d" % len(names))
	return names[:count]


class _Locator:
	"""Follows clang's JSON source locations, which name the file only when it changes from the previous one."""

	def __init__(self):
		self.file = None

	def walk(self, node):
		if isinstance(node, dict):
			if "file" in node and ("offset" in node or "tokLen" in node):
				self.file = node["file"]
			for key, val in node.items():
				if key != "includedFrom":
					self.walk(val)
		elif isinstance(node, list):
			for val in node:
				self.walk(val)

	def locate(self, loc):
		"""Walk one location and return (file, offset) of its expansion point."""
		if "expansionLoc" in loc:
			self.walk(loc.get("spellingLoc", {}))
			self.walk(loc["expansionLoc"])
			return self.file, loc["expansionLoc"].get("offset")
		self.walk(loc)
		return self.file, loc.get("offset")


def _bare(loc):
	return loc.get("expansionLoc", loc)


class Headers:
	"""Header texts by path, read on demand."""

	def __init__(self, root):
		self.root = root
		self.texts = {}

	def text(self, path):
		if path not in self.texts:
			with open(os.path.join(self.root, path), encoding="utf-8") as f:
				self.texts[path] = f.read()
		return self.texts[path]

	def leading_comment(self, path, offset):
		"""The /* */ comment that ends on the line just above the declaration starting at offset."""
		text = self.text(path)
		start = text.rfind("\n", 0, offset) + 1
		before = text[:start].rstrip(" \t")
		if not before.endswith("\n"):
			return ""
		before = before[:-1].rstrip(" \t")
		# A comment above a group of consecutive declarations (no blank line between them) documents them all.
		while not before.endswith("*/"):
			nl = before.rfind("\n")
			line = before[nl + 1:].strip()
			if not line or line.startswith("#") or nl < 0:
				return ""
			before = before[:nl].rstrip(" \t")
		open_at = before.rfind("/*")
		if open_at < 0:
			return ""
		# A comment that trails code on its line (a field's) documents that code, not what follows.
		if before[before.rfind("\n", 0, open_at) + 1:open_at].strip():
			return ""
		return _clean_comment(before[open_at:])

	def trailing_comment(self, path, end_offset):
		"""A comment that starts on the same line, after the declaration's end (field comments)."""
		text = self.text(path)
		eol = text.find("\n", end_offset)
		line = text[end_offset:eol if eol >= 0 else len(text)]
		at = line.find("/*")
		if at < 0:
			return ""
		begin = end_offset + at
		close = text.find("*/", begin)
		if close < 0:
			return ""
		return _clean_comment(text[begin:close + 2])


def _clean_comment(raw):
	body = raw[2:-2]
	lines = []
	for line in body.split("\n"):
		line = line.strip()
		if line.startswith("*"):
			line = line[1:].strip()
		lines.append(line)
	return " ".join(l for l in lines if l).strip()


def run_clang(root, clang="clang"):
	cmd = [clang, "-Xclang", "-ast-dump=json", "-fsyntax-only", "-I", "include", UMBRELLA]
	try:
		res = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
	except FileNotFoundError:
		raise ParseError("clang not found: install Debian's package 'clang'")
	if res.returncode != 0:
		raise ParseError("clang failed on %s:\n%s" % (UMBRELLA, res.stderr))
	return json.loads(res.stdout)


def _in_headers(path):
	return path is not None and os.path.normpath(path).startswith(HEADER_DIR + os.sep)


def _header_name(path):
	return os.path.normpath(path)[len(HEADER_DIR) + 1:]


def read_api(root, clang="clang"):
	"""Return the API model of the public headers under root."""
	tree = run_clang(root, clang)
	hdr = Headers(root)
	loc = _Locator()
	functions, enums, records, typedefs, typedef_names = [], [], {}, [], []
	files = []
	for node in tree.get("inner", []):
		if "loc" not in node:
			loc.walk(node)
			continue
		path, offset = loc.locate(node["loc"])
		loc.walk({k: v for k, v in node.items() if k != "loc"})
		if not _in_headers(path) or node.get("isImplicit"):
			continue
		path = os.path.normpath(path)
		if path not in files:
			files.append(path)
		kind = node["kind"]
		begin = _bare(node.get("range", {}).get("begin", {})).get("offset", offset)
		end_loc = _bare(node.get("range", {}).get("end", {}))
		end = end_loc.get("offset", offset) + end_loc.get("tokLen", 0)
		if kind == "FunctionDecl":
			functions.append(_function(node, path, begin, hdr))
		elif kind == "EnumDecl":
			enums.append(_enum(node, path, begin, hdr))
		elif kind == "RecordDecl":
			_record(node, path, begin, hdr, records)
		elif kind == "TypedefDecl":
			typedefs.append((node, path, begin, end))
	callbacks = []
	for node, path, begin, end in typedefs:
		qual = node["type"]["qualType"]
		typedef_names.append(node["name"])
		fp = _fnptr_types(qual)
		if fp:
			ret, ptypes = fp
			names = _param_names(hdr.text(path)[begin:end], len(ptypes))
			callbacks.append({"name": node["name"], "header": _header_name(path),
			                  "doc": hdr.leading_comment(path, begin), "returns": parse_type(ret),
			                  "params": [{"name": n, "type": parse_type(t)} for n, t in zip(names, ptypes)]})
	for e in enums:
		if not e["name"]:
			raise ParseError("an anonymous enum in %s: name it (typedef enum mlops_x {...} mlops_x)" % e["header"])
	handles, structs = [], []
	for name, rec in records.items():
		if rec["fields"] is None:
			handles.append({"name": name, "header": rec["header"], "doc": rec["doc"]})
		else:
			structs.append(rec)
	macros = read_macros(hdr, files)
	return {"files": [_header_name(f) for f in files], "functions": functions, "handles": handles,
	        "enums": enums, "structs": structs, "callbacks": callbacks, "macros": macros,
	        "typedefs": typedef_names}


def _function(node, path, begin, hdr):
	qual = node["type"]["qualType"]
	ret = qual[:qual.index("(")].strip()
	params = []
	for p in node.get("inner", []):
		if p["kind"] == "ParmVarDecl":
			params.append({"name": p.get("name", "arg%d" % len(params)), "type": parse_type(p["type"]["qualType"])})
	return {"name": node["name"], "header": _header_name(path), "doc": hdr.leading_comment(path, begin),
	        "returns": parse_type(ret), "params": params, "variadic": bool(node.get("variadic"))}


def _enum(node, path, begin, hdr):
	values, nxt = [], 0
	text = hdr.text(path)
	for c in node.get("inner", []):
		if c["kind"] != "EnumConstantDecl":
			continue
		val = nxt
		for sub in c.get("inner", []):
			if "value" in sub:
				val = int(sub["value"])
		r = c.get("range", {})
		cend = _bare(r.get("end", {}))
		end = cend.get("offset", 0) + cend.get("tokLen", 0)
		if end < len(text) and text[end] == ",":
			end += 1
		values.append({"name": c["name"], "value": val, "doc": hdr.trailing_comment(path, end)})
		nxt = val + 1
	return {"name": node.get("name", ""), "header": _header_name(path), "doc": hdr.leading_comment(path, begin),
	        "values": values}


def _record(node, path, begin, hdr, records):
	name = node.get("name")
	if not name:
		return
	rec = records.setdefault(name, {"name": name, "header": _header_name(path), "doc": "", "fields": None})
	if not node.get("completeDefinition"):
		if not rec["doc"]:
			rec["doc"] = hdr.leading_comment(path, begin)
		return
	rec["header"] = _header_name(path)
	rec["doc"] = hdr.leading_comment(path, begin) or rec["doc"]
	fields = []
	text = hdr.text(path)
	for f in node.get("inner", []):
		if f["kind"] != "FieldDecl":
			continue
		qual = f["type"]["qualType"]
		r = f.get("range", {})
		fbegin = _bare(r.get("begin", {})).get("offset", 0)
		fend_loc = _bare(r.get("end", {}))
		fend = fend_loc.get("offset", 0) + fend_loc.get("tokLen", 0)
		semi = text.find(";", fend)
		field = {"name": f["name"], "doc": hdr.trailing_comment(path, semi + 1 if semi >= 0 else fend)}
		lead = hdr.leading_comment(path, fbegin)
		if lead and not field["doc"]:
			field["doc"] = lead
		fp = _fnptr_types(qual)
		if fp:
			ret, ptypes = fp
			names = _param_names(text[fbegin:fend], len(ptypes))
			field["function"] = {"returns": parse_type(ret),
			                     "params": [{"name": n, "type": parse_type(t)} for n, t in zip(names, ptypes)]}
			field["type"] = {"c": qual, "base": "", "const": False, "pointers": 1, "function": True}
		else:
			field["type"] = parse_type(qual)
		fields.append(field)
	rec["fields"] = fields


# ---- macros ----

_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(MLOPS_\w+)(\([^)]*\))?[ \t]*(.*)$")


def read_macros(hdr, files):
	"""Object-like MLOPS_* macros with an integer, string or designated-initializer value, in header order."""
	raw = []
	for path in files:
		lines = hdr.text(path).split("\n")
		i = 0
		while i < len(lines):
			line = lines[i]
			while line.endswith("\\") and i + 1 < len(lines):
				i += 1
				line = line[:-1] + " " + lines[i]
			i += 1
			m = _DEFINE.match(line)
			if not m or m.group(2):
				continue
			value = re.sub(r"/\*.*?\*/", "", m.group(3)).split("//")[0].strip()
			doc_m = re.search(r"/\*(.*?)\*/", m.group(3))
			raw.append((m.group(1), value, _header_name(path), doc_m.group(1).strip() if doc_m else ""))
	known, out = {}, []
	for name, value, header, doc in raw:
		if name in known or not value:
			continue
		entry = {"name": name, "header": header, "doc": doc}
		if re.fullmatch(r'"(?:[^"\\]|\\.)*"', value):
			entry["kind"] = "string"
			entry["value"] = ast.literal_eval(value)
		elif value.startswith("{") and value.endswith("}"):
			entry["kind"] = "initializer"
			entry["fields"] = _initializer(value[1:-1], known)
		else:
			num = _eval_int(value, known)
			if num is None:
				continue
			entry["kind"] = "int"
			entry["value"] = num
		known[name] = entry
		out.append(entry)
	return out


def _initializer(body, known):
	fields = {}
	for part in _split_params(body):
		m = re.match(r"^\.(\w+)\s*=\s*(.+)$", part.strip())
		if not m:
			raise ParseError("initializer part %r is not a designated initializer" % part)
		val = _eval_int(m.group(2), known)
		fields[m.group(1)] = val if val is not None else m.group(2).strip()
	return fields


def _eval_int(expr, known):
	expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr.strip())
	try:
		tree = ast.parse(expr, mode="eval")
	except SyntaxError:
		return None
	return _eval_node(tree.body, known)


def _eval_node(n, known):
	if isinstance(n, ast.Constant) and isinstance(n.value, int):
		return n.value
	if isinstance(n, ast.Name):
		e = known.get(n.id)
		return e["value"] if e and e["kind"] == "int" else None
	if isinstance(n, ast.UnaryOp):
		v = _eval_node(n.operand, known)
		if v is None:
			return None
		return {ast.USub: lambda: -v, ast.UAdd: lambda: v, ast.Invert: lambda: ~v}.get(type(n.op), lambda: None)()
	if isinstance(n, ast.BinOp):
		a, b = _eval_node(n.left, known), _eval_node(n.right, known)
		if a is None or b is None:
			return None
		ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
		       ast.Div: lambda: int(a / b) if b else None, ast.Mod: lambda: a % b if b else None,
		       ast.LShift: lambda: a << b, ast.RShift: lambda: a >> b,
		       ast.BitOr: lambda: a | b, ast.BitAnd: lambda: a & b, ast.BitXor: lambda: a ^ b}
		return ops.get(type(n.op), lambda: None)()
	return None
