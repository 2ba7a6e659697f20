#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# directives.py: rewrite the DIRECTIVES section of man/stratum.conf.5 from
# the configuration table in README.md (one .TP entry per row: the
# directive's syntax, its meaning, its status), so the page says what the
# README says.  `make lint` fails when a directive of the table is missing
# from the page; run this (from the top directory) to bring it up to date.
import re
import sys

README = "README.md"
PAGE = "man/stratum.conf.5"


def roff(t):
    t = t.replace("\\", "\\e").replace("-", "\\-")
    t = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", t)
    t = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", t)
    t = t.replace("–", "\\(en").replace("≥", ">=").replace("^", "\\(ha")
    # Anything else outside ASCII as a groff Unicode escape.
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in t)


def rows(text):
    lines = text.split("\n")
    i = next(k for k, l in enumerate(lines)
             if l.startswith("| directive | meaning | status |"))
    for l in lines[i + 2:]:
        if not l.startswith("|"):
            return
        l = l.replace("\\|", "\0")
        yield [c.strip().replace("\0", "|") for c in l.strip("|").split("|")]


def entry(d, meaning, status):
    out = [".TP", roff(d)]
    body = roff(meaning) + ". \\fIStatus:\\fR " + roff(status) + "."
    body = body[0].upper() + body[1:]
    # One sentence or clause per source line: roff's own line breaks.
    for ln in re.sub(r"([.;:]) ", r"\1\n", body).split("\n"):
        ln = ln.strip()
        out.append("\\&" + ln if ln[:1] in (".", "'") else ln)
    return out


def main():
    table = [entry(*r) for r in rows(open(README, encoding="utf-8").read())]
    page = open(PAGE, encoding="utf-8").read()
    head, rest = page.split(".SH DIRECTIVES\n", 1)
    tail = rest[rest.index(".SH EXAMPLES\n"):]
    body = "\n".join(l for e in table for l in e) + "\n"
    open(PAGE, "w", encoding="utf-8").write(
        head + ".SH DIRECTIVES\n" + body + tail)
    return 0


sys.exit(main())
