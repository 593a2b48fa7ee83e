"""Crosswalk chains on the real tables: known occupations land where they should."""

from __future__ import annotations

import polars as pl

from taxonomies import crosswalks


def targets(cw: pl.DataFrame, method: str, code: str) -> dict[str, float]:
    rows = cw.filter((pl.col("method") == method) & (pl.col("from_code") == code))
    return dict(rows.select("to_code", "weight").iter_rows())


def test_onet_reaches_isco_through_soc(tables):
    cw = tables["crosswalk"]
    assert "2512" in targets(cw, crosswalks.ONET_TO_ISCO, "15-1252.00")  # software developers
    assert targets(cw, crosswalks.ONET_TO_ISCO, "43-9021.00") == {"4132": 1.0}  # data entry keyers
    assert targets(cw, crosswalks.ONET_TO_ISCO, "51-6031.00") == {"8153": 1.0}  # sewing machine operators


def test_chain_weights_sum_to_one_per_code(tables):
    cw = tables["crosswalk"]
    sums = cw.group_by("method", "from_code").agg(pl.col("weight").sum())
    assert sums["weight"].is_between(1 - 1e-9, 1 + 1e-9).all()


def test_isco_soc_partial_matches_are_marked(tables):
    cw = tables["crosswalk"].filter(pl.col("method") == crosswalks.SOC2010_TO_ISCO)
    assert cw.filter(pl.col("from_code") == "11-1011")["partial"].all()  # chief executives: split
    assert cw["partial"].any() and not cw["partial"].all()


def test_esco_links_to_isco_and_onet(tables):
    cw = tables["crosswalk"]
    assert targets(cw, crosswalks.ESCO_TO_ISCO, "2654.1.7") == {"2654": 1.0}
    esco = tables["occupations"].filter(pl.col("taxonomy") == "esco")
    code = esco.filter(pl.col("title") == "secretary of state")["occupation_code"].item()
    assert targets(cw, crosswalks.NESTA, code) == {"11-1011.00": 1.0}
    assert targets(cw, crosswalks.ESCO_TO_ONET, code) == {"11-1011.00": 1.0}


def test_esco_occupations_without_a_nesta_row_inherit_from_their_parent(tables):
    cw = tables["crosswalk"]
    inherited = cw.filter(pl.col("method") == crosswalks.NESTA_INHERITED)
    assert inherited.height > 1000
    code, onet = inherited.select("from_code", "to_code").row(0)
    parent_link = None
    from taxonomies.esco import broader_codes

    for parent in broader_codes(code):
        parent_link = targets(cw, crosswalks.NESTA, parent)
        if parent_link:
            break
    assert parent_link == {onet: 1.0}


def test_coverage_figures(tables):
    cov = crosswalks.coverage(tables["crosswalk"], tables["occupations"])
    share = dict(cov.select("link", "share").iter_rows())
    assert share["O*NET occupations reaching an ISCO-08 unit group"] == 1.0
    assert share["ISCO-08 unit groups reached from O*NET"] == 1.0
    assert share["ESCO occupations with an ISCO-08 unit group"] == 1.0
    assert 0.9 < share["ESCO occupations linked to O*NET (direct or inherited)"] < 1.0
