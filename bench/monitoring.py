"""Issue #4's four monitoring figures in one run, each beside its baseline (bench list (a)–(d)).

Run: ``.venv/bin/python bench/monitoring.py [--quick] [--postgres URL] [--only a,b,c,d]``.

(a) ``bench/aqi.py``: HJ 633 AQI over 1,000,000 rows, rows/s beside ``python-aqi`` on the same rows (≥ 100×).
(b) ``bench/hj212_parse.py``: HJ 212 parse with full validation beside a bare split of the same frames
    (≥ 0.5×), and the fuzz run (1,000,000 arbitrary inputs; 50,000 with ``--quick``).
(c) ``bench/monitoring_receiver.py``: the receiver end to end, 500 simulated stations on loopback, stored
    readings/s beside a bare ``executemany`` of the same rows into the same database (≥ 1/3), zero frames
    lost, every acknowledged frame stored; on SQLite, and on PostgreSQL with ``--postgres``.
(d) ``bench/monitoring_rollups.py``: rollups and daily AQI for 100 stations × 1 year of hourly data beside
    the same GROUP BY in plain SQL and DuckDB (no slower than the plain SQL); SQLite, and PostgreSQL with
    ``--postgres``.

Each figure runs as its own process (each configures Django with its own scratch database), one after the
other so they do not share the CPU, with ``--quick`` passed on. Their output is shown as it comes; the
last lines gather every headline. ``--postgres`` takes the server (``postgres://postgres@127.0.0.1:5432``);
the benches create and drop their own scratch databases on it (``envgrid_bench_receiver`` for (c), what
(d) names for itself). The exit status is 1 if any figure's script failed (a failed correctness check:
a lost frame, an acknowledged frame not stored, a fuzz crash, a mismatch).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RECEIVER_DATABASE = "envgrid_bench_receiver"


@dataclass
class Figure:
    key: str
    title: str
    script: str
    arguments: list[str]


def figures(args) -> list[Figure]:
    quick = ["--quick"] if args.quick else []
    server = args.postgres.rstrip("/")
    if server.count("/") > 2:  # a database name was given: the server is what comes before it
        server = server.rsplit("/", 1)[0]
    items = [
        Figure("a", "AQI over 1,000,000 rows vs python-aqi", "aqi.py", quick),
        Figure("b", "HJ 212 parse vs bare split, and fuzzing", "hj212_parse.py", quick),
        Figure("c", "HJ 212 receiver end to end, SQLite", "monitoring_receiver.py", quick),
    ]
    if server:
        items.append(
            Figure(
                "c",
                "HJ 212 receiver end to end, PostgreSQL",
                "monitoring_receiver.py",
                [*quick, "--postgres", f"{server}/{RECEIVER_DATABASE}"],
            )
        )
    # (d) is helper m1's script; it is run when it is there (the hook for it is this entry).
    items.append(Figure("d", "rollups and daily AQI vs plain SQL and DuckDB, SQLite", "monitoring_rollups.py", quick))
    if server:
        items.append(
            Figure(
                "d",
                "rollups and daily AQI vs plain SQL and DuckDB, PostgreSQL",
                "monitoring_rollups.py",
                [*quick, "--postgres", f"{server}/postgres"],
            )
        )
    return [figure for figure in items if figure.key in args.only]


def run(figure: Figure) -> tuple[int | None, list[str], float]:
    """Run one figure's script, echoing its output; its return code (None if missing) and headline lines."""
    script = ROOT / figure.script
    print(f"\n=== ({figure.key}) {figure.title}: {figure.script} {' '.join(figure.arguments)}", flush=True)
    if not script.exists():
        print(f"    {figure.script} is not there: figure ({figure.key}) skipped", flush=True)
        return None, [], 0.0
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(script), *figure.arguments],
        cwd=ROOT.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    headlines = []
    for line in process.stdout:
        print("    " + line.rstrip(), flush=True)
        if line.lower().startswith("headline"):
            headlines.append(line.strip())
    return process.wait(), headlines, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Each figure's quick mode (a few minutes in all).")
    parser.add_argument(
        "--postgres",
        default="",
        metavar="URL",
        help="Also run (c) and (d) on this PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432.",
    )
    parser.add_argument("--only", default="abcd", help="Which figures to run, e.g. 'c' or 'a,b' (default: all four).")
    args = parser.parse_args()
    args.only = set(args.only.replace(",", "").lower())
    results = []
    for figure in figures(args):
        code, headlines, seconds = run(figure)
        results.append((figure, code, headlines, seconds))

    print("\n=== Summary (issue #4, bench list)")
    failed = False
    for figure, code, headlines, seconds in results:
        if code is None:
            state = "not run (script missing)"
        elif code:
            state = f"FAILED (exit {code})"
            failed = True
        else:
            state = "ok"
        print(f"({figure.key}) {figure.title}: {state}, {seconds:.0f} s")
        for headline in headlines:
            print(f"    {headline}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
