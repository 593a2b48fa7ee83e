"""E-skill content (issue 8): the coded construct, and the existing scores it must not move."""

from __future__ import annotations

import polars as pl
import pytest

from exposure.scoring import codebook as cb

# Occupation scores computed before e_skill_content was added to the codebook (score cache
# f731f6faa3191ea0, commit 2ff28b5). Every computation is per construct, so adding a construct
# must leave these exactly as they were.
BEFORE = {
    ("onet", "43-9021.00"): dict(routinizability=0.7037, place_boundness=0.2088, person_bound=0.0848,
                                 site_bound=0.1802, material_bound=0.153, offshorability=0.6598,
                                 offshorability_lo=0.5044, offshorability_hi=0.8152),
    ("onet", "29-1242.00"): dict(routinizability=0.3302, place_boundness=0.6169, person_bound=0.5708,
                                 site_bound=0.2492, material_bound=0.1561, offshorability=0.2362,
                                 offshorability_lo=0.1038, offshorability_hi=0.3686),
    ("onet", "51-6031.00"): dict(routinizability=0.7409, place_boundness=0.8296, person_bound=0.0328,
                                 site_bound=0.2135, material_bound=0.8242, offshorability=0.5925,
                                 offshorability_lo=0.4542, offshorability_hi=0.7308),
    ("isco08", "4132"): dict(routinizability=0.7109, place_boundness=0.1868, person_bound=0.0764,
                             site_bound=0.1591, material_bound=0.1649, offshorability=0.7417,
                             offshorability_lo=0.5774, offshorability_hi=0.906),
    ("isco08", "7121"): dict(routinizability=0.5478, place_boundness=0.749, person_bound=0.0498,
                             site_bound=0.714, material_bound=0.7191, offshorability=0.2047,
                             offshorability_lo=0.0875, offshorability_hi=0.3218),
    ("esco", "4132.1"): dict(routinizability=0.7073, place_boundness=0.1978, person_bound=0.0806,
                             site_bound=0.1697, material_bound=0.159, offshorability=0.7007,
                             offshorability_lo=0.5409, offshorability_hi=0.8606),
}


def test_codebook_codes_every_activity_on_e_skill_content():
    book = cb.load()
    assert cb.CODED[-1] == "e_skill_content" and "e_skill_content" in cb.CONSTRUCTS
    assert "e_skill_content" not in cb.COMPONENTS  # place_boundness stays the max of its three components
    for df, n in ((book.iwa, 332), (book.dwa, 260)):
        assert df.height == n
        assert df["e_skill_content"].is_in(cb.SCALE).all()
        assert df["rationale"].str.contains("E-skills: ").all()


@pytest.mark.parametrize(("title", "expected"), [
    ("Compile records, documentation, or other data.", 1.0),
    ("Maintain sales or financial records.", 1.0),
    ("Operate communications equipment or systems.", 0.25),  # radios: equipment, not e-skills
    ("Operate audiovisual or related equipment.", 0.0),
    ("Program computer systems or production equipment.", 0.25),  # specialist, not generic
    ("Operate industrial processing or production equipment.", 0.0),
])
def test_anchors_of_the_coding_guide(title, expected):
    iwa = cb.load().iwa
    assert iwa.filter(pl.col("iwa_title") == title)["e_skill_content"].item() == expected


@pytest.mark.slow
def test_existing_scores_are_unchanged_by_the_new_construct(scored):
    occ = scored.occupations
    for (taxonomy, code), before in BEFORE.items():
        row = occ.filter((pl.col("taxonomy") == taxonomy) & (pl.col("occupation_code") == code)).row(0, named=True)
        assert {k: row[k] for k in before} == before, (taxonomy, code)


@pytest.mark.slow
def test_e_skill_content_separates_clerical_from_manual_tasks(scored):
    occ = scored.occupations.filter(pl.col("taxonomy") == "onet")
    value = dict(occ.select("occupation_code", "e_skill_content").iter_rows())
    assert value["43-9021.00"] > 0.45  # data entry keyers
    assert value["47-2181.00"] < 0.1 and value["51-6031.00"] < 0.1  # roofers, sewing machine operators
    metrics = scored.cv_metrics.filter(pl.col("construct") == "e_skill_content").row(0, named=True)
    assert metrics["pearson_r"] > 0.7 and metrics["occupation_pearson_r"] > 0.9
