"""China AQI (HJ 633 daily report) for 1,000,000 rows: EnvGrid's vectorized ``aqi_table`` against python-aqi.

Run: ``.venv/bin/python bench/aqi.py [--quick]``. No database.

Data (seeded): 1,000,000 realistic daily rows for a Henan district — PM2.5 lognormal around 38 µg/m³
(heavier in winter), PM10 about 1.7 × PM2.5, SO2, NO2, CO (mg/m³) and O3 8-h / 1-h maxima with a
summer peak — kept as daily means are computed, µg/m³ to 0.1 and CO to 0.01.

Baseline: python-aqi 0.6.1 (``aqi.to_aqi(..., algo=aqi.ALGO_MEP)``, its China algorithm), one call
per row with the seven daily indicators. It is slow, so it runs on a random sample of the rows
(20,000; 50,000 without --quick) each round and its rate is scaled to rows/s; the strings it needs
are prepared outside the timing (in its favour). EnvGrid computes the whole 1,000,000-row table each
round — IAQIs, AQI, primary and exceeding pollutants, level, category, colour, notes — which is more
work than python-aqi's bare AQI. Rounds alternate the two.

python-aqi is also wrong for China (against HJ 633-2012 Table 1 and the IAQI formula: discontinuous EPA-style
segments, truncated inputs, half-even rounding instead of rounding up): the run prints how many sampled rows it
gets different from HJ 633, as information.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Run as a plain script: this file is bench/aqi.py, so take bench/ off the path before importing the
# python-aqi package (also named ``aqi``), and make the project importable without installing it.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import aqi as python_aqi  # noqa: E402
from aqi import constants as pa  # noqa: E402

from envgrid.monitoring.aqi import aqi_for_row, aqi_table  # noqa: E402

SEED = 20261127
N_ROWS = 1_000_000
STANDARD = "hj633-2012"  # python-aqi implements the 2012 table (badly); compare like with like
PA_NAMES = {
    "SO2_24h": pa.POLLUTANT_SO2_24H,
    "NO2_24h": pa.POLLUTANT_NO2_24H,
    "PM10_24h": pa.POLLUTANT_PM10,
    "CO_24h": pa.POLLUTANT_CO_24H,
    "PM2.5_24h": pa.POLLUTANT_PM25,
    "O3_1h": pa.POLLUTANT_O3_1H,
    "O3_8h": pa.POLLUTANT_O3_8H,
}


def make_rows(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Daily means with seasons: PM and CO high in winter, O3 high in summer."""
    day = rng.integers(0, 365, n)
    winter = np.cos(2 * np.pi * day / 365)  # +1 in January, -1 in July
    pm25 = rng.lognormal(np.log(38) + 0.45 * winter, 0.55, n)
    columns = {
        "SO2_24h": rng.lognormal(np.log(9) + 0.3 * winter, 0.5, n),
        "NO2_24h": rng.lognormal(np.log(32) + 0.2 * winter, 0.4, n),
        "PM10_24h": pm25 * rng.lognormal(np.log(1.7), 0.2, n),
        "CO_24h": rng.lognormal(np.log(0.8) + 0.3 * winter, 0.35, n),
        "PM2.5_24h": pm25,
    }
    o3_8h = rng.lognormal(np.log(95) - 0.45 * winter, 0.35, n)
    columns["O3_8h"] = o3_8h
    columns["O3_1h"] = o3_8h * rng.uniform(1.1, 1.45, n)
    return {
        name: np.round(values, 2 if name == "CO_24h" else 1)
        for name, values in sorted(columns.items(), key=lambda kv: list(PA_NAMES).index(kv[0]))
    }


def python_aqi_rows(columns: dict[str, np.ndarray], sample: np.ndarray) -> list[list[tuple[str, str]]]:
    return [[(PA_NAMES[name], repr(float(columns[name][i]))) for name in PA_NAMES] for i in sample.tolist()]


def run_python_aqi(rows: list[list[tuple[str, str]]]) -> tuple[float, list[int | None]]:
    """Seconds, and python-aqi's AQI per row (None where it raises: values beyond its tables)."""
    answers: list[int | None] = []
    start = time.perf_counter()
    for row in rows:
        try:
            answers.append(int(python_aqi.to_aqi(row, algo=pa.ALGO_MEP)))
        except (TypeError, IndexError):
            answers.append(None)
    return time.perf_counter() - start, answers


def run_envgrid(columns: dict[str, np.ndarray], round_inputs: bool = True) -> tuple[float, dict]:
    start = time.perf_counter()
    out = aqi_table(columns, "daily", STANDARD, round_inputs=round_inputs)
    return time.perf_counter() - start, out


def summary(name: str, rates: list[float], baseline: list[float] | None) -> str:
    line = (
        f"{name:<52} median {statistics.median(rates):13,.0f} rows/s  min {min(rates):13,.0f}  max {max(rates):13,.0f}"
    )
    if baseline is not None:
        line += f"  ratio {statistics.median(rates) / statistics.median(baseline):7.1f}×"
    return line


def category_of(value: float | None) -> int | None:
    if value is None or np.isnan(value):
        return None
    return int(np.searchsorted([50, 100, 150, 200, 300], value, side="left"))


def compare_with_hj633(columns, sample, answers, out) -> list[str]:
    """How python-aqi's answers on the sample differ from HJ 633 (EnvGrid's result)."""
    ours = out["AQI"][sample]
    failed = sum(a is None for a in answers)
    pairs = [(a, o) for a, o in zip(answers, ours.tolist(), strict=True) if a is not None]
    differ = sum(a != o for a, o in pairs)
    category = sum(category_of(a) != category_of(o) for a, o in pairs)
    lower = sum(a < o for a, o in pairs)
    n = len(sample)
    lines = [
        f"python-aqi vs HJ 633 on {n:,} sampled rows: AQI differs in {differ:,} ({differ / n:.1%}; python-aqi lower "
        f"in {lower:,}), category differs in {category:,} ({category / n:.1%}), {failed:,} rows raise",
    ]
    per_pollutant = []
    for name, pa_name in PA_NAMES.items():
        theirs = []
        for i in sample[:2000].tolist():
            try:
                theirs.append(int(python_aqi.to_iaqi(pa_name, repr(float(columns[name][i])), algo=pa.ALGO_MEP)))
            except (TypeError, IndexError):
                theirs.append(-1)
        mine = out[f"IAQI_{name}"][sample[:2000]]
        per_pollutant.append(f"{name} {int(np.sum(np.array(theirs) != mine)):,}")
    lines.append(f"  IAQI differences in the first 2,000 sampled rows: {', '.join(per_pollutant)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and a smaller python-aqi sample")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    n_sample = 20_000 if args.quick else 50_000

    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    columns = make_rows(rng, N_ROWS)
    print(
        f"{N_ROWS:,} daily rows (7 indicators, {STANDARD}) made in {time.perf_counter() - start:.1f} s; "
        f"python-aqi on {n_sample:,}-row samples scaled to rows/s; {rounds} rounds, alternating"
    )
    means = ", ".join(f"{k} {np.mean(v):.1f}" for k, v in columns.items())
    print(f"means: {means}")

    pa_rates, eg_rates, eg_exact_rates = [], [], []
    first_compare = None
    for r in range(rounds):
        sample = rng.choice(N_ROWS, n_sample, replace=False)
        rows = python_aqi_rows(columns, sample)
        runs = [("pa", None), ("eg", True), ("eg", False)]
        if r % 2:
            runs.reverse()
        for who, round_inputs in runs:
            if who == "pa":
                seconds, answers = run_python_aqi(rows)
                pa_rates.append(n_sample / seconds)
            else:
                seconds, out = run_envgrid(columns, round_inputs)
                (eg_rates if round_inputs else eg_exact_rates).append(N_ROWS / seconds)
                if round_inputs:
                    result = out
        if r == 0:
            print(f"rows with AQI > 100 by HJ 633: {np.mean(result['AQI'] > 100):.1%}")
            first_compare = (sample, answers, result)

    sample, answers, result = first_compare
    mismatches = 0
    for i in sample[:1000].tolist():
        row = aqi_for_row(standard=STANDARD, **{k: float(v[i]) for k, v in columns.items()})
        mismatches += (
            row.aqi != int(result["AQI"][i]) or ";".join(row.primary_pollutants) != result["primary_pollutants"][i]
        )

    print(summary("baseline: python-aqi 0.6.1 to_aqi (MEP), per row", pa_rates, None))
    print(summary("EnvGrid aqi_table (inputs rounded per GB/T 8170)", eg_rates, pa_rates))
    print(summary("EnvGrid aqi_table (exact inputs, per-value division)", eg_exact_rates, pa_rates))
    print(
        f"EnvGrid time for {N_ROWS:,} rows: median {N_ROWS / statistics.median(eg_rates) * 1000:.0f} ms; "
        f"python-aqi scaled to {N_ROWS:,} rows: {N_ROWS / statistics.median(pa_rates):.1f} s"
    )
    for line in compare_with_hj633(columns, sample, answers, result):
        print(line)
    print(f"EnvGrid vectorized vs its scalar aqi_for_row on 1,000 sampled rows: {mismatches} mismatches (must be 0)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    headline = statistics.median(eg_rates) / statistics.median(pa_rates)
    print(f"HEADLINE: EnvGrid AQI is {headline:.0f}× the python-aqi rate on daily rows (target ≥ 100×)")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
