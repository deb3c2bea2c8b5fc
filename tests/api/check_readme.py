#!/usr/bin/env python3
"""Check that the C example in README.md is exactly tests/api/readme_example.c (which is compiled and run by the
API tests), so the README's code cannot rot.

Usage: check_readme.py README_MD EXAMPLE_C
"""
import re
import sys


def main():
    readme, example = sys.argv[1], sys.argv[2]
    text = open(readme, encoding="utf-8").read()
    code = open(example, encoding="utf-8").read()
    blocks = re.findall(r"^```c\n(.*?)^```", text, flags=re.S | re.M)
    if not blocks:
        print(f"FAIL: {readme} has no ```c block")
        return 1
    if code not in blocks:
        print(f"FAIL: no ```c block of {readme} equals {example}; paste the file into the README")
        return 1
    print(f"README example matches {example} ({len(code.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
