"""Print the ZIP codes the wrk benchmark searches from, one a line: every ZIP of the demo clinics,
then real ZIP centres in US states drawn with a fixed seed, 200 in all.

Run from the repository root: ``.venv/bin/python bench/nearest/zips.py``.
"""

from __future__ import annotations

import random
import sys

import common  # noqa: F401  (puts the repository root on sys.path)

from clinic_app.demo.data import DEMO_CLINICS
from clinic_app.geo.geocoding import all_zip_locations
from clinic_app.geo.states import US_STATES

COUNT = 200
SEED = 2026


def benchmark_zips(count: int = COUNT, seed: int = SEED) -> list[str]:
    demo = list(dict.fromkeys(zip_code for _, _, _, _, zip_code, _ in DEMO_CLINICS))
    others = sorted(z.zip_code for z in all_zip_locations() if z.state in US_STATES and z.zip_code not in demo)
    return demo + random.Random(seed).sample(others, count - len(demo))


if __name__ == "__main__":
    sys.stdout.write("\n".join(benchmark_zips()) + "\n")
