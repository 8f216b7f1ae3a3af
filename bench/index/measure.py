#!/usr/bin/env python3
"""Runs one command and appends its wall time and peak memory to a
results file; prints the summary table of such a file.

usage: measure.py run RESULTS ID WHAT DOCS LOG -- COMMAND [ARG...]
       measure.py skip RESULTS ID WHAT DOCS REASON
       measure.py table RESULTS

`run` executes COMMAND under `/usr/bin/time -f '%e %M'` (GNU time, for
the peak resident set size) with its output going to LOG, and times it
itself on the monotonic clock, which has a finer grain than the
hundredths of a second of `%e`. Before it starts, what is waiting to be
written to disk is written (sync): otherwise a run pays for the writeback
of what ran before it (the generated site's 92 MB before the first full
publish, a whole Hugo output tree before the next Hugo run). Each run appends one line to RESULTS:

    ID <tab> WHAT <tab> DOCS <tab> WALL_MS <tab> PEAK_KB <tab> STATUS

where STATUS is `ok`, `exit N` or `skip: reason`. Several runs with one ID
are one measurement: `table` reports their medians. The exit status of
`run` is the command's.

`table` prints one row per measurement with the ratios against Hugo (with
feeds) on the same number of documents, then the folio incremental figures
in milliseconds. It never judges a time: the targets are printed beside
the figures, nothing passes or fails.

Python 3 standard library only.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def run(results, ident, what, docs, log, cmd):
    fd, tfile = tempfile.mkstemp(prefix="measure.")
    os.close(fd)
    have_time = os.access(GNU_TIME, os.X_OK)
    argv = ([GNU_TIME, "-f", "%e %M", "-o", tfile] if have_time else []) + cmd
    os.sync()
    with open(log, "ab") as out:
        t0 = time.monotonic_ns()
        p = subprocess.Popen(argv, stdout=out, stderr=out)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.monotonic_ns()
    rc = os.waitstatus_to_exitcode(status)
    peak = None
    if have_time:
        with open(tfile) as f:
            for line in f:
                parts = line.split()
                # GNU time writes "Command exited with non-zero status N"
                # before the format line when the command fails.
                if len(parts) == 2 and parts[1].isdigit():
                    peak = int(parts[1])
    os.unlink(tfile)
    if peak is None:
        # Without GNU time: the largest child's peak from the kernel.
        peak = ru.ru_maxrss
    wall_ms = (t1 - t0) / 1e6
    st = "ok" if rc == 0 else "exit %d" % rc
    with open(results, "a", encoding="utf-8") as f:
        f.write("%s\t%s\t%s\t%.3f\t%d\t%s\n" % (ident, what, docs, wall_ms,
                                                peak, st))
    return rc


def skip(results, ident, what, docs, reason):
    with open(results, "a", encoding="utf-8") as f:
        f.write("%s\t%s\t%s\t-\t-\tskip: %s\n" % (ident, what, docs, reason))
    return 0


def load(results):
    """Measurements in file order: id -> dict(what, docs, runs, status)."""
    order, m = [], {}
    with open(results, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            ident, what, docs, wall, peak, st = parts
            if ident not in m:
                order.append(ident)
                m[ident] = {"what": what, "docs": int(docs), "runs": [],
                            "fail": None, "skip": None}
            e = m[ident]
            if st == "ok":
                e["runs"].append((float(wall), int(peak)))
            elif st.startswith("skip"):
                e["skip"] = st[len("skip: "):]
            elif e["fail"] is None:
                e["fail"] = st
    for e in m.values():
        if e["runs"] and e["fail"] is None:
            e["wall"] = statistics.median(r[0] for r in e["runs"])
            e["peak"] = statistics.median(r[1] for r in e["runs"])
    return [(i, m[i]) for i in order]


def ratio(ref, x):
    """How many times ref is x: above 1, x is faster or smaller."""
    if x <= 0:
        return "-"
    v = ref / x
    return "%.1fx" % v if v >= 10 else "%.2fx" % v


def table(results):
    rows = load(results)
    # The reference for each size: Hugo with feeds on that many documents.
    ref = {e["docs"]: e for i, e in rows
           if i.startswith("hugo-feeds") and "wall" in e}
    head = ["what", "docs", "wall s", "peak MB", "vs Hugo (time)",
            "vs Hugo (memory)"]
    body = []
    for ident, e in rows:
        cells = [e["what"], "{:,}".format(e["docs"])]
        if e["skip"] is not None and not e["runs"]:
            cells += ["skipped", "-", "-", "-"]
        elif "wall" not in e:
            cells += [e["fail"] or "failed", "-", "-", "-"]
        else:
            cells += ["%.3f" % (e["wall"] / 1e3), "%.1f" % (e["peak"] / 1024)]
            r = ref.get(e["docs"])
            if r is None or r is e:
                cells += ["-", "-"]
            else:
                cells += [ratio(r["wall"], e["wall"]),
                          ratio(r["peak"], e["peak"])]
        body.append(cells)
    widths = [max(len(r[c]) for r in [head] + body) for c in range(len(head))]

    def line(cells):
        return "| " + " | ".join(
            c.ljust(widths[k]) if k == 0 else c.rjust(widths[k])
            for k, c in enumerate(cells)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in body:
        print(line(cells))
    print()
    print("wall: monotonic clock around the command; peak: GNU time %M "
          "(maximum resident set size).")
    print("vs Hugo: Hugo's figure (with feeds, same number of documents) "
          "divided by the row's;")
    print("  5.00x = five times faster / five times less memory. Rows run "
          "more than once show medians.")
    why = {}
    for _, e in rows:
        if e["skip"] is not None and not e["runs"]:
            why.setdefault(e["skip"], []).append(e["what"])
    for reason, whats in why.items():
        print("skipped (%s): %s" % ("; ".join(whats), reason))

    many = [(i, e) for i, e in rows if not i.startswith("folio-inc") and
            "wall" in e and len(e["runs"]) > 1]
    if many:
        print()
        print("each run, in s:")
        w = max(len(e["what"]) for _, e in many)
        for i, e in many:
            print("  %-*s %s" % (w, e["what"], ", ".join(
                "%.3f" % (r[0] / 1e3) for r in e["runs"])))
    inc = [(i, e) for i, e in rows if i.startswith("folio-inc")]
    if inc:
        print()
        print("folio incremental publish (median of the runs, each run in ms):")
        w = max(len(e["what"]) for _, e in inc)
        for i, e in inc:
            if "wall" not in e:
                print("  %-*s %s" % (w, e["what"], e["fail"] or
                                     ("skipped" if e["skip"] else "failed")))
                continue
            runs = ", ".join("%.1f" % r[0] for r in e["runs"])
            print("  %-*s %8.1f ms  (%s)" % (w, e["what"], e["wall"], runs))
    full = dict(rows).get("folio-full")
    if full is not None and "wall" in full and full["docs"] in ref:
        r = ref[full["docs"]]
        print()
        print("targets: full publish at least 5x faster than Hugo: %s; "
              "in at most a tenth of its memory: %s" % (
                  ratio(r["wall"], full["wall"]),
                  ratio(r["peak"], full["peak"])))
        one = dict(rows).get("folio-inc-doc")
        if one is not None and "wall" in one:
            print("         incremental publish of one changed document "
                  "under 50 ms: %.1f ms" % one["wall"])
        lst = dict(rows).get("folio-inc-list")
        if lst is not None and "wall" in lst:
            print("           (named with --changed, as the post-receive "
                  "hook runs it: %.1f ms)" % lst["wall"])
    return 0


def main(argv):
    if len(argv) >= 8 and argv[1] == "run" and argv[7] == "--" and \
            len(argv) > 8:
        return run(argv[2], argv[3], argv[4], argv[5], argv[6], argv[8:])
    if len(argv) == 7 and argv[1] == "skip":
        return skip(*argv[2:7])
    if len(argv) == 3 and argv[1] == "table":
        return table(argv[2])
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
