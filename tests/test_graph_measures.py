"""Graph measures: on small hand-built graphs where the right answer is known, and the
e-skill rule, identity table and boundaries on the real data."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest

from exposure.errors import InputError
from exposure.graph import boundary, eskills, identity
from exposure.graph.profiles import profiles


@pytest.fixture
def hand_graph() -> nx.Graph:
    """Four occupations with skills, one without.

    a, b: ICT professionals (sub-major 25); c: clerk (41); d: craft worker (72); e: no skills.
    'code' is held by a and b only, 'sheet' (the e-skill) by a (weight 0.5), c and d,
    'file' by c only, 'weld' by d only.
    """
    G = nx.Graph()
    for node, sub in (("a", "25"), ("b", "25"), ("c", "41"), ("d", "72"), ("e", "92")):
        G.add_node(f"occ:{node}", bipartite=0, isco08_submajor=sub, isco08_major=sub[0])
    for skill in ("code", "sheet", "file", "weld"):
        G.add_node(f"skill:{skill}", bipartite=1, skill_id=skill, label=skill, kind="skill")
    G.nodes["skill:sheet"]["collection"] = "ESCO digital"
    G.add_edge("occ:a", "skill:code", weight=1.0)
    G.add_edge("occ:a", "skill:sheet", weight=0.5)
    G.add_edge("occ:b", "skill:code", weight=1.0)
    for occ, skill in (("c", "sheet"), ("c", "file"), ("d", "sheet"), ("d", "weld")):
        G.add_edge(f"occ:{occ}", f"skill:{skill}", weight=1.0)
    return G


def _rows(df: pl.DataFrame, column: str) -> dict:
    return dict(df.select("node", column).iter_rows())


def test_identity_measures_on_a_hand_built_graph(hand_graph):
    for node, content in (("occ:a", 0.2), ("occ:c", 0.8), ("occ:d", 0.1), ("occ:e", 0.5)):
        hand_graph.nodes[node]["e_skill_content"] = content  # b has no task score
    m = identity.identity_measures(hand_graph, e_skills={"skill:sheet"}, generic={"skill:sheet", "skill:file"})
    assert m["node"].to_list() == sorted(m["node"].to_list())
    # a: 'code' is held by nobody outside 25 (rare), 'sheet' by c and d (not rare)
    spec = _rows(m, "specificity")
    assert spec["occ:a"] == pytest.approx(2 / 3)
    assert (spec["occ:b"], spec["occ:c"], spec["occ:d"], spec["occ:e"]) == (1.0, 0.5, 0.5, None)
    e = _rows(m, "e_skill_share")
    assert (e["occ:a"], e["occ:b"], e["occ:c"], e["occ:d"]) == (pytest.approx(1 / 3), 0.0, 0.5, 0.5)
    assert _rows(m, "generic_share")["occ:c"] == 1.0
    # cosine(c, d) = 0.5 >= 0.4 across sub-major groups; cosine(a, c) = 0.32 < 0.4; a-b share a group
    assert _rows(m, "substitutability") == {"occ:a": 0, "occ:b": 0, "occ:c": 1, "occ:d": 1, "occ:e": None}
    # a, c and d overlap with other sub-major groups only through 'sheet'; b with nobody
    assert _rows(m, "e_skill_overlap") == {"occ:a": 1.0, "occ:b": None, "occ:c": 1.0, "occ:d": 1.0, "occ:e": None}
    assert m["technology_e_skill_share"].null_count() == m.height  # no technology edges
    d = _rows(m, "identity_dissolution")  # e_skill_content x (1 + profile) / 2
    assert (d["occ:a"], d["occ:c"], d["occ:d"]) == (pytest.approx(0.2), pytest.approx(0.8), pytest.approx(0.1))
    assert d["occ:b"] is None and d["occ:e"] is None  # no task score; no skills


def test_rare_share_and_overlap_threshold_are_parameters(hand_graph):
    loose = identity.IdentityParams(rare_share=0.5, overlap_threshold=0.3)
    m = identity.identity_measures(hand_graph, set(), set(), loose)
    # outside 41 (a, b, d, e), 'sheet' is held by a and d: 2 of 4 <= 0.5, so rare for c
    assert _rows(m, "specificity")["occ:c"] == 1.0
    assert _rows(m, "substitutability")["occ:a"] == 2  # cosine 0.32 with c and with d


def test_a_node_without_bipartite_is_refused(hand_graph):
    hand_graph.add_node("mystery")
    with pytest.raises(InputError, match="'mystery' has no 'bipartite' attribute"):
        profiles(hand_graph)


def test_entropy_is_normalised():
    h = eskills.entropy(np.array([[1, 1, 1, 1], [4, 0, 0, 0], [2, 2, 0, 0]]), 4)
    assert h.tolist() == pytest.approx([1.0, 0.0, 0.5])


def test_skill_measures_on_a_hand_built_graph(hand_graph):
    m = eskills.skill_measures(profiles(hand_graph))
    sheet = m.filter(pl.col("node") == "skill:sheet").row(0, named=True)
    # held by a (major 2), c (4), d (7), evenly; the graph has 4 major groups (e is in 9)
    assert (sheet["n_occupations"], sheet["n_isco_major_groups"]) == (3, 3)
    assert sheet["share_occupations"] == pytest.approx(3 / 5)
    assert sheet["isco_major_entropy"] == pytest.approx(math.log(3) / math.log(4))
    assert sheet["effective_isco_major_groups"] == pytest.approx(3.0)
    assert sheet["breadth"] == pytest.approx(1.0)  # the most widely held skill
    assert sheet["genericity"] == pytest.approx(math.sqrt(math.log(3) / math.log(4)))
    code = m.filter(pl.col("node") == "skill:code").row(0, named=True)
    assert (code["isco_major_entropy"], code["genericity"]) == (0.0, 0.0)
    weld = m.filter(pl.col("node") == "skill:weld").row(0, named=True)
    assert weld["breadth"] == pytest.approx(math.log(2) / math.log(4))
    assert m["genericity"].is_between(0, 1).all()


def test_the_eskill_list_decides_and_genericity_is_reported():
    skills = pl.DataFrame({
        "node": ["skill:s1", "skill:s2", "skill:s3", "skill:s4"],
        "skill_id": ["s1", "s2", "s3", "s4"],
        "collection": ["ESCO digital", "ESCO digital", None, None],
        "genericity": [0.7, 0.7, 0.7, 0.3],
        "effective_isco_major_groups": [5.0, 5.0, 5.0, 1.5],
    })
    e_list = pl.DataFrame({"skill_id": ["s1", "s2", "s4"], "is_e_skill": [True, False, True],
                           "reason": ["rule: in generic digital group T1.3", "rule: in equipment or specialist group S8.6.4",
                                      "exception (e-skill): typing is data entry."]})
    out = eskills.classify(skills, e_list).sort("node")
    assert out["is_e_skill"].to_list() == [True, False, False, True]  # the list decides, not the collection
    assert out["is_generic"].to_list() == [True, True, True, False]
    reasons = out["reason"].to_list()
    assert reasons[0] == "e-skill: rule: in generic digital group T1.3; generic (genericity 0.70, 5.0 effective ISCO major groups)"
    assert reasons[1].startswith("not an e-skill: rule: in equipment or specialist group S8.6.4")
    assert reasons[2].startswith("not an e-skill: not on the e-skill list; generic")
    assert reasons[3].startswith("e-skill: exception (e-skill)") and "not generic" in reasons[3]


def test_eskill_table_reads_the_graph(hand_graph):
    rule = eskills.EskillRule(min_genericity=0.5, min_effective_groups=2)
    table = eskills.eskill_table(hand_graph, rule=rule)  # no list: the collection flag decides
    assert table.filter("is_e_skill")["node"].to_list() == ["skill:sheet"]
    listed = eskills.eskill_table(hand_graph, rule=rule, e_list=pl.DataFrame(
        {"skill_id": ["file"], "is_e_skill": [True], "reason": ["exception (e-skill): filing"]}))
    assert listed.filter("is_e_skill")["node"].to_list() == ["skill:file"]


def test_betweenness_matches_networkx():
    G = nx.bipartite.random_graph(12, 18, 0.2, seed=3)
    G.add_edge(100, 101)  # a separate component
    G = nx.relabel_nodes(G, {n: f"n{n:03d}" for n in G})
    expected = nx.betweenness_centrality(G)
    assert boundary.betweenness(G, None) == pytest.approx(expected)
    assert boundary.betweenness(G, G.number_of_nodes()) == pytest.approx(expected)
    sampled = boundary.betweenness(G, 10, seed=1)
    assert sampled == boundary.betweenness(G, 10, seed=1)
    assert all(v >= 0 for v in sampled.values())


def _two_clusters() -> nx.Graph:
    G = nx.Graph()
    for i in range(6):
        major = "2" if i < 3 else "7"
        G.add_node(f"occ:{i}", bipartite=0, isco08_submajor=major + "1", isco08_major=major)
    for s in ("x1", "x2", "y1", "y2", "mail"):
        G.add_node(f"skill:{s}", bipartite=1)
    for i in range(3):
        G.add_edges_from([(f"occ:{i}", "skill:x1"), (f"occ:{i}", "skill:x2")], weight=1.0)
        G.add_edges_from([(f"occ:{i + 3}", "skill:y1"), (f"occ:{i + 3}", "skill:y2")], weight=1.0)
    G.add_edges_from([(f"occ:{i}", "skill:mail") for i in range(6)], weight=1.0)
    return G


def test_projection_communities_and_agreement():
    P = profiles(_two_clusters())
    proj = boundary.projection(P, k=2)
    assert (proj["occ_a"] < proj["occ_b"]).all() and proj["weight"].is_between(0, 1).all()
    found = boundary.communities(proj)
    assert found.height == 6 and found["community"].n_unique() == 2
    assert found.equals(boundary.communities(proj))  # fixed seed: same result
    major = {f"occ:{i}": "2" if i < 3 else "7" for i in range(6)}
    assert boundary.agreement(found, major) == {"n_communities": 2, "nmi": pytest.approx(1.0), "ari": 1.0}
    without = boundary.projection(P.without({"skill:mail"}), k=2)
    assert without["weight"].min() == pytest.approx(1.0)  # only same-cluster pairs remain


# --- real data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def esco_skills(scored):
    from exposure.graph import skill_table

    return skill_table("esco")


@pytest.fixture(scope="module")
def onet_skills(scored):
    from exposure.graph import skill_table

    return skill_table("onet")


def _verdict(skills: pl.DataFrame, label: str) -> dict:
    rows = skills.filter(pl.col("label") == label)
    assert rows.height == 1, label
    return rows.row(0, named=True)


@pytest.mark.slow
@pytest.mark.parametrize(("label", "expected"), [
    ("use spreadsheets software", True),
    ("have computer literacy", True),
    ("manipulate dental material", False),
    ("Python (computer programming)", False),  # digital, but programming is specialist
    ("operate radio equipment", False),  # in ESCO's digital collection, but equipment operation
    ("operate GPS systems", False),
    ("use water navigation devices", False),
    ("food waste monitoring systems", False),
    ("operate electronic measuring instruments", False),
    ("use CAD software", False),
    ("use word processing software", True),
    ("process data", True),  # data entry; outside the generic digital groups, an exception
])
def test_eskill_rule_on_known_esco_skills(esco_skills, label, expected):
    row = _verdict(esco_skills, label)
    assert row["is_e_skill"] is expected, row["reason"]


@pytest.mark.slow
@pytest.mark.parametrize(("label", "expected"), [
    ("Spreadsheet software", True),
    ("Word processing software", True),
    ("Electronic mail software", True),
    ("Enterprise resource planning ERP software", True),
    ("Customer relationship management CRM software", True),
    ("Medical software", False),  # industry-specific software
    ("Computer aided design CAD software", False),
    ("Computer aided manufacturing CAM software", False),
    ("Industrial control software", False),
    ("Route navigation software", False),
    ("Graphics or photo imaging software", False),  # an exception within content authoring
])
def test_eskill_rule_on_known_onet_skills(onet_skills, label, expected):
    row = _verdict(onet_skills, label)
    assert row["is_e_skill"] is expected, row["reason"]
    if label == "Medical software":
        assert "UNSPSC class 432326 industry specific software" in row["reason"]


@pytest.mark.slow
@pytest.mark.parametrize("which", ["esco", "onet"])
def test_skill_table_contract(request, which):
    skills = request.getfixturevalue(f"{which}_skills")
    for column in ("skill_id", "label", "kind", "n_occupations", "share_occupations", "isco_major_entropy",
                   "genericity", "is_e_skill", "reason", "betweenness", "n_isco_major_groups"):
        assert column in skills.columns
    assert skills["node"].is_sorted() and skills["node"].n_unique() == skills.height
    for column in ("share_occupations", "isco_major_entropy", "genericity", "betweenness"):
        assert skills[column].is_between(0, 1).all(), column
    assert skills["reason"].null_count() == 0
    # the e-skills are exactly the committed list's e-skills that some occupation holds
    listed = eskills.e_skill_list(which).filter("is_e_skill")["skill_id"]
    assert set(skills.filter("is_e_skill")["skill_id"]) == set(listed) & set(skills["skill_id"])


@pytest.mark.slow
@pytest.mark.parametrize(("which", "rows"), [("esco", 3039), ("onet", 1016)])
def test_identity_table_contract(scored, which, rows):
    from exposure.graph import identity_table

    table = identity_table(which)
    assert table.height == rows and table["occupation_code"].is_sorted()
    assert table.columns[:9] == ["taxonomy", "occupation_code", "title", "isco08", "specificity", "e_skill_share",
                                 "generic_share", "substitutability", "identity_dissolution"]
    assert "offshorability" in table.columns and table["offshorability"].null_count() == 0
    assert table.columns[9:12] == ["e_skill_content", "technology_e_skill_share", "e_skill_overlap"]
    for column in ("specificity", "e_skill_share", "generic_share", "identity_dissolution", "e_skill_content",
                   "technology_e_skill_share", "e_skill_overlap"):
        assert table[column].drop_nulls().is_between(0, 1).all(), column
    with_skills = table.filter(pl.col("identity_dissolution").is_not_null())
    assert with_skills.height == (3039 if which == "esco" else 923)
    # the measure never exceeds the task-level e-skill content and is at least half of it
    assert (with_skills["identity_dissolution"] <= with_skills["e_skill_content"] + 1e-4).all()  # rounded to 4 places
    assert (with_skills["identity_dissolution"] >= with_skills["e_skill_content"] / 2 - 1e-4).all()


@pytest.mark.slow
def test_clerical_work_dissolves_more_than_medicine(scored):
    from exposure.graph import identity_table

    table = identity_table("onet")
    value = dict(table.select("occupation_code", "identity_dissolution").iter_rows())
    assert value["43-9061.00"] > 0.3 > 0.15 > value["29-1212.00"]  # office clerks vs cardiologists


@pytest.mark.slow
@pytest.mark.parametrize("which", ["esco", "onet"])
def test_boundaries(scored, which):
    from exposure.graph import boundaries

    b = boundaries(which)
    assert b["agreement"]["skills"].to_list() == ["all skills", "without e-skills", "without generic skills"]
    # skill communities follow sectors, which cut across the major groups (skill levels):
    # they agree with the ISCO-08 major groups only in part, more with sub-major groups
    assert 0.15 < b["nmi"] < 0.6 and 0 < b["ari"] < 0.4
    agreement = b["agreement"].row(0, named=True)
    assert agreement["nmi_submajor"] > agreement["nmi"]
    if which == "onet":  # generic skills blur the official boundaries in O*NET
        assert b["nmi_without_e_skills"] > b["nmi"]
    assert b["communities"]["node"].is_sorted()
    assert b["bridging"]["betweenness"].is_sorted(descending=True)
    assert b["bridging"]["n_isco_major_groups"].min() >= 5
