#!/usr/bin/env python3
"""Runs the curl examples of docs/api-conventions.md against a running server.

Each example is one `curl` line in a ```sh block, ending with `# <status>`.
Environment: BASE (the server), STAFF and RESIDENT (tokens). Exit 1 on the
first example whose status differs."""
import os
import pathlib
import re
import subprocess
import sys

doc = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api-conventions.md"
blocks = re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S)
examples = [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]
if not examples:
    sys.exit("no curl examples found in docs/api-conventions.md")
for line in examples:
    command, _, expected = line.rpartition("#")
    expected = expected.strip()
    out = subprocess.run(["bash", "-c", command.strip() + " -o /dev/null -w '%{http_code}'"],
                         capture_output=True, text=True, env=os.environ)
    if out.stdout.strip() != expected:
        sys.exit(f"doc example answered {out.stdout.strip()} instead of {expected}: {command.strip()}")
print(f"doc examples ok: {len(examples)} curl examples of docs/api-conventions.md")
