"""Parse + validate + normalise a 50,000-row 17-column export.

Ceiling, measured in the same run: `pandas.read_csv(dtype=str)` of the same bytes (C parser,
no validation, no normalisation). Target: ratio <= 3.
"""

from __future__ import annotations

import io
import resource

import pandas as pd
from common import timed

from shared.advisor.parse import parse_export
from shared.advisor.stats import compute_statistics
from tests.support.exports import build_rows, to_csv

ROWS = 50_000
TARGET_RATIO = 3.0


def main() -> None:
    data = to_csv(build_rows(ROWS, seed=1))
    ceiling = timed(lambda: pd.read_csv(io.BytesIO(data), dtype=str), repeat=7)
    ours = timed(lambda: parse_export(data), repeat=7)
    records = parse_export(data).records
    stats = timed(lambda: compute_statistics(records), repeat=3)
    ratio = ours / ceiling
    print(f"{ROWS:,}-row 17-column export ({len(data) / 1e6:.1f} MB), median of 7")
    print(f"  parse+validate+normalise: {ours:6.3f} s  ({ROWS / ours:9,.0f} rows/s)")
    print(f"  pandas.read_csv(dtype=str): {ceiling:4.3f} s  (ceiling)")
    print(f"  ratio to ceiling:         {ratio:6.2f}x   target <= {TARGET_RATIO} -> "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    print(f"  statistics:               {stats:6.3f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"  peak RSS of this process: {peak} MB")


if __name__ == "__main__":
    main()
