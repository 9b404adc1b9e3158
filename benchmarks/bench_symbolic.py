"""Time a typical derivative check (parse, verdict, diagnosis) over the lecture's rules table.

Run: python benchmarks/bench_symbolic.py [--repeat N]

For every rule of tests/test_symbolic_rules.py it times check_derivative on the
correct answer (parse + verdict) and on the wrong answer (parse + verdict +
diagnosis), and prints the median, 90th percentile and worst time per kind.
The target for a typical check is a median under 50 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_symbolic_rules import RULES  # noqa: E402

from coursekit.symbolic import check_derivative  # noqa: E402

TARGET_MS = 50.0


def _time(function: str, answer: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        check_derivative(function, answer)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timings per check (default 5)")
    args = parser.parse_args(argv)
    check_derivative("sin(x^2)", "2x cos(x^2)")          # warm caches (imports, sympy)
    rows = {"correct answer": [], "wrong answer (with diagnosis)": []}
    slowest = {}
    for _, rule, function, _, _, correct, wrong, _ in RULES:
        for kind, answer in zip(rows, (correct, wrong)):
            times = _time(function, answer, args.repeat)
            rows[kind].extend(times)
            slowest[(kind, rule)] = max(times)
    everything = [t for times in rows.values() for t in times]
    print(f"check_derivative over {len(RULES)} rules x {args.repeat} repeats")
    print(f"{'kind':32} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
    for kind, times in list(rows.items()) + [("all checks", everything)]:
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{kind:32} {statistics.median(times):10.1f} {p90:8.1f} {max(times):8.1f}")
    worst = max(slowest, key=slowest.get)
    print(f"slowest rule: {worst[1]} ({worst[0]}), {slowest[worst]:.1f} ms")
    median = statistics.median(everything)
    print(f"median of a typical check: {median:.1f} ms (target < {TARGET_MS:.0f} ms: "
          f"{'met' if median < TARGET_MS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
