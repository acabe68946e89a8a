"""Compare the per-query records of two robustness runs (benchmarks/robustness.py --json ...).

A change that must not alter behaviour (a refactoring) leaves every record as it was but its
latency: the answer (video, from, at, to, score), whether it is right, the candidates compared and
the keys read. This prints how many records differ, per method and kind, the recall of each run
where they differ, and the first few differences.

    .venv/bin/python benchmarks/compare_records.py before.json after.json [--show 10]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

KEY = ("source", "positive", "edit", "kind", "method", "truth")
COMPARED = ("answer", "correct", "candidates", "keys")


def load(path: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
    records = json.loads(path.read_text())["records"]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in records:
        key = tuple(r[k] for k in KEY)
        n = sum(1 for k in out if k[: len(KEY)] == key)  # the same query can appear twice
        out[(*key, n)] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--show", type=int, default=10, help="differences to print")
    args = ap.parse_args()
    before, after = load(args.before), load(args.after)
    if before.keys() != after.keys():
        print(
            f"the runs asked different queries: {len(before.keys() - after.keys())} only before, "
            f"{len(after.keys() - before.keys())} only after"
        )
    common = sorted(before.keys() & after.keys(), key=str)
    differ = [k for k in common if any(before[k][c] != after[k][c] for c in COMPARED)]
    total, changed = Counter(k[4] + " " + k[3] for k in common), Counter(k[4] + " " + k[3] for k in differ)
    print(f"{len(common)} records compared, {len(differ)} differ")
    for group in sorted(total):
        rows = [k for k in common if k[4] + " " + k[3] == group and k[1]]
        right_before = sum(before[k]["correct"] for k in rows)
        right_after = sum(after[k]["correct"] for k in rows)
        print(
            f"  {group:24s} {changed[group]:5d} of {total[group]:5d} differ; "
            f"right (must match): {right_before} -> {right_after} of {len(rows)}"
        )
    for k in differ[: args.show]:
        diffs = {c: (before[k][c], after[k][c]) for c in COMPARED if before[k][c] != after[k][c]}
        print(f"  {k[:6]}: {diffs}")


if __name__ == "__main__":
    main()
