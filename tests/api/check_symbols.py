#!/usr/bin/env python3
"""Check that the public headers, the version script and the exported symbols of libmlops.so agree.

Usage: check_symbols.py LIBMLOPS_SO INCLUDE_DIR VERSION_SCRIPT

- the functions declared MLOPS_API in INCLUDE_DIR/mlops/**/*.h (outside MLOPS_EXPERIMENTAL blocks) are exactly
  the functions the library exports (nm -D --defined-only);
- every exported symbol starts with mlops_;
- the version script defines the node LIBMLOPS_0.1 and every exported symbol carries a LIBMLOPS_ version
  (objdump -T), with LIBMLOPS_0.1 among them.
"""
import pathlib
import re
import subprocess
import sys

NODE = "LIBMLOPS_0.1"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def drop_experimental(text):
    """Remove #if/#ifdef MLOPS_EXPERIMENTAL blocks (nesting aware); that API is not exported."""
    out, depth, skip_at = [], 0, None
    for line in text.splitlines():
        s = line.strip()
        if re.match(r"#\s*if", s):
            depth += 1
            if skip_at is None and "MLOPS_EXPERIMENTAL" in s and not re.match(r"#\s*ifndef", s):
                skip_at = depth
                continue
        elif re.match(r"#\s*endif", s):
            if skip_at == depth:
                skip_at = None
                depth -= 1
                continue
            depth -= 1
        elif re.match(r"#\s*else", s) and skip_at == depth:
            skip_at = None
            continue
        if skip_at is None:
            out.append(line)
    return "\n".join(out)


def declared(include_dir):
    names = {}
    for h in sorted(pathlib.Path(include_dir, "mlops").rglob("*.h")):
        text = drop_experimental(strip_comments(h.read_text()))
        # Preprocessor lines (with their continuations) hold no declarations, only the macro's definition.
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)
        for m in re.finditer(r"\bMLOPS_API\b([^;{]*?)\b(\w+)\s*\(", text):
            names[m.group(2)] = h.name
    return names


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    so, include_dir, script = sys.argv[1:]
    errors = []

    hdr = declared(include_dir)
    exported_funcs, exported_all = set(), set()
    for line in run(["nm", "-D", "--defined-only", so]).splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2].split("@")[0]
        if kind == "A":  # the version node itself
            continue
        exported_all.add(name)
        if kind in "TtWiI":
            exported_funcs.add(name)

    for name in sorted(exported_all):
        if not name.startswith("mlops_"):
            errors.append(f"exported symbol without the mlops_ prefix: {name}")
    for name in sorted(set(hdr) - exported_funcs):
        errors.append(f"declared MLOPS_API in {hdr[name]} but not exported: {name}")
    for name in sorted(exported_funcs - set(hdr)):
        errors.append(f"exported but not declared MLOPS_API in a public header: {name}")

    script_text = pathlib.Path(script).read_text()
    if not re.search(r"^\s*" + re.escape(NODE) + r"\s*\{", script_text, flags=re.M):
        errors.append(f"version script {script} has no node {NODE}")

    versions, nodes = {}, set()
    for line in run(["objdump", "-T", so]).splitlines():
        m = re.search(r"\s(\(?LIBMLOPS_[\w.]+\)?)\s+(\S+)\s*$", line)
        if m:
            node = m.group(1).strip("()")
            nodes.add(node)
            versions[m.group(2)] = node
    if NODE not in nodes:
        errors.append(f"objdump -T shows no symbol versioned {NODE}")
    for name in sorted(exported_all):
        if name not in versions:
            errors.append(f"exported symbol without a LIBMLOPS_ version: {name}")

    print(f"{len(hdr)} MLOPS_API functions in the headers, {len(exported_funcs)} exported functions, "
          f"{len(exported_all)} exported symbols, version nodes: {', '.join(sorted(nodes)) or 'none'}")
    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print("symbols: headers, version script and exports agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
