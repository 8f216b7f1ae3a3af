#!/usr/bin/env python3
"""fidelity-fm.py PROGRAM EXPECTED_DIR CORPUS_DIR

For every *.md / *.markdown file under CORPUS_DIR (dot-files and dot-dirs
skipped), runs `PROGRAM FILE` (PROGRAM may hold arguments, split as a shell
would) and compares the JSON it prints with EXPECTED_DIR/<relpath>.json, both
read with Python's json module (numbers compare as numbers). Prints a short
diff per differing file and ends with "front matter: K/N identical".
Exit status 0 iff K == N. Python 3 standard library only.
"""
import json
import os
import shlex
import subprocess
import sys


def corpus_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for f in files:
            if f.startswith(".") or not f.endswith((".md", ".markdown")):
                continue
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def diff(want, got, path="$", out=None, limit=10):
    """Lists the places where two JSON values differ."""
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            if k not in got:
                out.append("%s.%s: missing (want %s)" % (path, k, json.dumps(want[k], ensure_ascii=False)[:80]))
            else:
                diff(want[k], got[k], "%s.%s" % (path, k), out, limit)
        for k in got:
            if k not in want:
                out.append("%s.%s: unexpected %s" % (path, k, json.dumps(got[k], ensure_ascii=False)[:80]))
        if not out and list(want) != list(got):
            out.append("%s: key order differs" % path)
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append("%s: %d items, want %d" % (path, len(got), len(want)))
        for i, (w, g) in enumerate(zip(want, got)):
            diff(w, g, "%s[%d]" % (path, i), out, limit)
        return out
    same = want == got and type(want) is type(got)
    if isinstance(want, (int, float)) and isinstance(got, (int, float)) \
            and not isinstance(want, bool) and not isinstance(got, bool):
        same = want == got
    if not same:
        out.append("%s: got %s, want %s" % (path, json.dumps(got, ensure_ascii=False)[:120],
                                             json.dumps(want, ensure_ascii=False)[:120]))
    return out


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: fidelity-fm.py PROGRAM EXPECTED_DIR CORPUS_DIR\n")
        return 2
    prog = shlex.split(sys.argv[1])
    expected, corpus = sys.argv[2], sys.argv[3]
    files = corpus_files(corpus)
    same = 0
    for rel in files:
        exp_path = os.path.join(expected, rel + ".json")
        try:
            with open(exp_path, encoding="utf-8") as f:
                want = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: cannot read expected: %s" % (rel, e))
            continue
        try:
            r = subprocess.run(prog + [os.path.join(corpus, rel)], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            print("%s: cannot run: %s" % (rel, e))
            continue
        if r.returncode != 0:
            print("%s: exit %d: %s" % (rel, r.returncode, r.stderr.decode("utf-8", "replace").strip()[:300]))
            continue
        try:
            got = json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            print("%s: output is not JSON: %s" % (rel, e))
            continue
        d = diff(want, got)
        if d:
            print("%s:" % rel)
            for line in d:
                print("  " + line)
        else:
            same += 1
    print("front matter: %d/%d identical" % (same, len(files)))
    return 0 if same == len(files) and files else 1


if __name__ == "__main__":
    sys.exit(main())
