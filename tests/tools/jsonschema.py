#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Check a JSON document against a schema, without pip packages.

usage: jsonschema.py SCHEMA [FILE]   (FILE, else stdin)

Knows the subset of JSON Schema that doc/schema/*.schema.json use: type
(one or a list; "integer" is a number with no fraction, a bool is not a
number), required, properties, items, enum, minimum, maximum, pattern.
The document must be strict JSON: no NaN/Infinity, no duplicate member.
Exit 0 when it conforms; otherwise every problem on stderr and exit 1.
"""
import json
import re
import sys


def no_dupes(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate member %r" % k)
        seen[k] = v
    return seen


def bad_constant(name):
    raise ValueError("not JSON: %s" % name)


def type_ok(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if t == "integer":
        return isinstance(v, int) or float(v).is_integer()
    return t == "number"


def check(v, s, path, errs):
    types = s.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(type_ok(v, t) for t in types):
            errs.append("%s: %r is not of type %s" % (path, v, types))
            return
    if "enum" in s and v not in s["enum"]:
        errs.append("%s: %r not one of %r" % (path, v, s["enum"]))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            errs.append("%s: %r < %r" % (path, v, s["minimum"]))
        if "maximum" in s and v > s["maximum"]:
            errs.append("%s: %r > %r" % (path, v, s["maximum"]))
    if isinstance(v, str) and "pattern" in s and \
            not re.search(s["pattern"], v):
        errs.append("%s: %r does not match %s" % (path, v, s["pattern"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append("%s: member %r missing" % (path, k))
        for k, sub in s.get("properties", {}).items():
            if k in v:
                check(v[k], sub, "%s.%s" % (path, k), errs)
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            check(x, s["items"], "%s[%d]" % (path, i), errs)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    text = open(sys.argv[2]).read() if len(sys.argv) == 3 else \
        sys.stdin.read()
    try:
        doc = json.loads(text, object_pairs_hook=no_dupes,
                         parse_constant=bad_constant)
    except ValueError as e:
        print("not valid JSON: %s" % e, file=sys.stderr)
        return 1
    errs = []
    check(doc, schema, "$", errs)
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
