"""clauses.py - the clause table of t/conformance/README against
man/ssmp.7 and the checks.

    clauses.py SSMP7_SOURCE SSMP7_RENDERED README TDIR
"""
import os
import re
import sys

import ssmp1 as s

tap = s.Tap()
src_path, txt_path, readme_path, tdir = sys.argv[1:5]
LABEL = re.compile(r"\[([A-Z][A-Z0-9]*-[0-9]+)\]")
KEYWORDS = re.compile(r"(?<![“\"])\b(MUST|SHOULD|REQUIRED|SHALL|RECOMMENDED|"
                      r"NEVER)\b(?![”\"])|is refused with")

# 1. Labels are defined once.
defs = []
for line in open(src_path):
    if not line.startswith(".Ql"):     # ".Ql [ENV-3]" is an example
        defs += LABEL.findall(line)
dups = sorted({d for d in defs if defs.count(d) > 1})
tap.ok(defs and not dups, "ssmp.7", "ssmp.7: %d labels, each defined once"
       % len(defs), diag=dups)
labels = set(defs)


# 2. Every normative paragraph carries a label.
def unlabelled(text):
    body = text.split("\nCONVENTIONS\n", 1)[-1]
    out = []
    for para in re.split(r"\n\s*\n", body):
        if KEYWORDS.search(para) and not LABEL.search(para):
            out.append(" ".join(para.split())[:120])
    return out


bad = unlabelled(open(txt_path).read())
tap.ok(not bad, "ssmp.7", "ssmp.7: every paragraph with MUST, SHOULD, "
       "REQUIRED, SHALL, RECOMMENDED, NEVER or 'is refused with' has a "
       "label", diag="\n".join(bad[:8]))
tap.ok(unlabelled("x\nCONVENTIONS\nA receiver MUST do it.\n\n[X-1] It "
                  "MUST.\n") == ["A receiver MUST do it."], "ssmp.7",
       "self-check: an unlabelled MUST is found, a labelled one is not")

# 3. The table: one row per label, each with a test or a reason.
rows, cur = {}, None
table = open(readme_path).read().split("\nClause table\n", 1)[1]
for line in table.splitlines():
    m = re.match(r"([A-Z][A-Z0-9]*-[0-9]+)\s+(.*)$", line)
    if m:
        cur = m.group(1)
        rows[cur] = m.group(2)
    elif cur and line.startswith(" "):
        rows[cur] += " " + line.strip()
missing = sorted(labels - set(rows), key=defs.index)
extra = sorted(set(rows) - labels)
tap.ok(not missing, "ssmp.7", "README: every label has a row", diag=missing)
tap.ok(not extra, "ssmp.7", "README: no row for a label ssmp.7 lacks",
       diag=extra)


def path_of(name):
    for d in (tdir, os.path.join(tdir, "conformance")):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


wrong = []
for label, row in rows.items():
    if re.match(r"(untestable|elsewhere): \S", row):
        continue
    files = row.split(" -- ")[0].split()
    if not files:
        wrong.append("%s: no test and no reason" % label)
    for f in files:
        p = path_of(f)
        if p is None:
            wrong.append("%s: %s does not exist" % (label, f))
        elif label not in open(p, encoding="utf-8").read():
            wrong.append("%s: %s does not check it" % (label, f))
tap.ok(rows and not wrong, "ssmp.7", "README: each of %d rows names tests "
       "that check its clause, or says why none can" % len(rows),
       diag="\n".join(wrong[:10]))

# 4. Every clause a check names exists.
used = set()
for f in os.listdir(os.path.join(tdir, "conformance")):
    if f.endswith(".py"):
        text = open(os.path.join(tdir, "conformance", f)).read()
        used |= set(re.findall(r'"([A-Z][A-Z0-9]*-[0-9]+)"', text))
unknown = sorted(used - labels)
tap.ok(not unknown, "ssmp.7", "every clause a check names is in ssmp.7",
       diag=unknown)
sys.exit(1 if tap.failed else 0)
