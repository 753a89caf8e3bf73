"""Ranking comments: the lower bound of the Wilson score interval of likes against reports.

A comment with 40 likes and 2 reports ranks above one with 3 likes and none:
the bound rewards evidence, not only the ratio.
"""

import math

Z = 1.96  # 95% confidence


def wilson_lower_bound(likes: int, reports: int) -> float:
    n = likes + reports
    if n == 0:
        return 0.0
    p = likes / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt((p * (1 - p) + Z * Z / (4 * n)) / n)
    return (centre - spread) / (1 + Z * Z / n)
