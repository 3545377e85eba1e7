#!/usr/bin/env python3
"""Compares two `smartflow compute` outputs (JSON lines) that should differ only in the low digits
of implied volatilities and greeks, as after a change of IV solver.

  scripts/iv_diff.py BEFORE.jsonl AFTER.jsonl [--iv-rel 1e-9] [--other-abs 1e-9]

Walks both files record by record (same count, same order) and each record's JSON tree in
parallel. Strings, booleans, nulls, integers and keys must be identical: a different side, rule,
profile, reason, id, count or event decision fails. A floating-point number may differ:
  - in an IV/greek field (execution_iv, delta, gamma, vega) by at most --iv-rel relative;
  - anywhere else (features such as iv_shock, probabilities, scores) by at most --other-abs
    absolute (relative for magnitudes above 1).
Prints the count of differing values per field path and the largest difference seen, and exits 1
on the first violation (with the line and path), 0 when the outputs agree within the bounds."""
import argparse
import json
import sys
from collections import defaultdict

IV_FIELDS = {"execution_iv", "delta", "gamma", "vega"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--iv-rel", type=float, default=1e-9)
    ap.add_argument("--other-abs", type=float, default=1e-9)
    a = ap.parse_args()
    diffs = defaultdict(lambda: [0, 0.0])  # path -> [count, worst]
    n = 0

    def fail(line, path, msg):
        print(f"line {line} {path}: {msg}", file=sys.stderr)
        sys.exit(1)

    def walk(x, y, path, line):
        if type(x) is not type(y):
            # 1.0 printed as 1 on one side would show up here: report it
            fail(line, path, f"type {type(x).__name__} vs {type(y).__name__}: {x!r} vs {y!r}")
        if isinstance(x, dict):
            if list(x.keys()) != list(y.keys()):
                fail(line, path, f"keys {sorted(set(x) ^ set(y))}")
            for k in x:
                walk(x[k], y[k], path + "." + k, line)
        elif isinstance(x, list):
            if len(x) != len(y):
                fail(line, path, f"length {len(x)} vs {len(y)}")
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}[{i}]", line)
        elif isinstance(x, float):
            if x == y:
                return
            d = abs(x - y)
            leaf = path.rsplit(".", 1)[-1]
            if leaf in IV_FIELDS:
                rel = d / max(abs(x), abs(y))
                if rel > a.iv_rel:
                    fail(line, path, f"{x!r} vs {y!r} (relative {rel:.3g})")
                err = rel
            else:
                err = d / max(1.0, abs(x))
                if err > a.other_abs:
                    fail(line, path, f"{x!r} vs {y!r} ({err:.3g})")
            key = "".join(c for c in path if not c.isdigit())
            diffs[key][0] += 1
            diffs[key][1] = max(diffs[key][1], err)
        elif x != y:
            fail(line, path, f"{x!r} vs {y!r}")

    with open(a.before) as fb, open(a.after) as fa:
        for n, (lb, la) in enumerate(zip(fb, fa), 1):
            if lb == la:
                continue
            walk(json.loads(lb), json.loads(la), "", n)
        rest_b, rest_a = fb.read(), fa.read()
        if rest_b or rest_a:
            fail(n + 1, "", "record counts differ")
    print(f"{n} records, identical structure and decisions")
    for k in sorted(diffs):
        c, w = diffs[k]
        print(f"  {k}: {c} values differ, worst {w:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
