#!/usr/bin/env python3
"""House rules on size: no non-test Rust file over 400 lines; no HTTP handler
(the function under an actix route attribute) over 30 lines."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
for path in sorted(root.glob("*/src/**/*.rs")):
    rel = path.relative_to(root)
    lines = path.read_text().splitlines()
    if not path.name.endswith("tests.rs") and len(lines) > 400:
        problems.append(f"{rel}: {len(lines)} lines (max 400)")
    for i, line in enumerate(lines):
        if not re.match(r'\s*#\[(get|post|patch|put|delete)\(', line):
            continue
        start = next(j for j in range(i + 1, len(lines)) if re.match(r'\s*pub async fn ', lines[j]))
        depth, end = 0, start
        for j in range(start, len(lines)):
            depth += lines[j].count("{") - lines[j].count("}")
            if depth == 0 and "{" in "".join(lines[start:j + 1]):
                end = j
                break
        if end - start + 1 > 30:
            name = re.search(r"fn (\w+)", lines[start]).group(1)
            problems.append(f"{rel}:{start + 1}: handler {name} is {end - start + 1} lines (max 30)")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("sizes ok: files within 400 lines, handlers within 30")
