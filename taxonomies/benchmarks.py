"""Published measures the scores are compared with (never inputs of the scores).

Dingel & Neiman (2020), "How many jobs can be done at home?": ``teleworkable`` is 1 when
an O*NET-SOC 2010 occupation can be done entirely at home by the paper's Work Context and
Work Activities rules (O*NET 24.2), else 0; the BLS file gives the share of O*NET
occupations teleworkable within each BLS OES 2018 code. The repository is GPL-3.0: the
files are imported into the data folder like the other releases and never committed.
"""

from __future__ import annotations

import polars as pl

from taxonomies.sources import read

ONET_FILE = "benchmarks/dingel_neiman_occupations_workathome.csv"
BLS_FILE = "benchmarks/dingel_neiman_teleworkable_blscodes.csv"


def telework() -> pl.DataFrame:
    """Both files as one table: ``taxonomy`` onet2010 (binary) and oes2018 (a share)."""
    onet = read(ONET_FILE).select(
        taxonomy=pl.lit("onet2010"), occupation_code=pl.col("onetsoccode"), title=pl.col("title"),
        teleworkable=pl.col("teleworkable").cast(pl.Float64),
    )
    bls = read(BLS_FILE).select(
        taxonomy=pl.lit("oes2018"), occupation_code=pl.col("OCC_CODE"), title=pl.col("OES_TITLE"),
        teleworkable=pl.col("teleworkable").cast(pl.Float64),
    )
    return pl.concat([onet, bls])
