"""Structural evidence: a task's codes from the work activities O*NET links it to.

Each O*NET task links to one or more Detailed Work Activities (DWAs), each under an
Intermediate Work Activity (IWA). A link takes its DWA's override codes if the codebook has
them, else its IWA's. A task's structural label is the mean over its links; the minimum and
maximum are kept as the range of the structural evidence.
"""

from __future__ import annotations

import polars as pl

from exposure.scoring.codebook import CODED, Codebook


def link_codes(activities: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """One row per task-DWA link with the codes that apply to it and where they come from."""
    dwa = book.dwa.select("dwa_id", *[pl.col(c).alias(f"{c}__dwa") for c in CODED])
    iwa = book.iwa.select("iwa_id", *CODED)
    return (
        activities.join(iwa, on="iwa_id", how="left")
        .join(dwa, on="dwa_id", how="left")
        .with_columns(
            coded_at=pl.when(pl.col(f"{CODED[0]}__dwa").is_not_null()).then(pl.lit("DWA")).otherwise(pl.lit("IWA")),
            **{c: pl.coalesce(f"{c}__dwa", c) for c in CODED},
        )
        .drop([f"{c}__dwa" for c in CODED])
    )


def task_labels(activities: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """Per task: mean, min and max of each construct over its links, and the activities."""
    links = link_codes(activities, book)
    return (
        links.sort("task_id", "dwa_id")
        .group_by("task_id", maintain_order=True)
        .agg(
            pl.len().alias("n_activities"),
            *[pl.col(c).mean() for c in CODED],
            *[pl.col(c).min().alias(f"{c}_min") for c in CODED],
            *[pl.col(c).max().alias(f"{c}_max") for c in CODED],
            pl.format(
                "{} [{}, coded at {}: R {} P {} S {} M {} O {} E {}]",
                "dwa_title", "iwa_id", "coded_at", *CODED,
            ).alias("activities"),
        )
    )
