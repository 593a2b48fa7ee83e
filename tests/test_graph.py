"""The occupation <-> skill graph: built from the real tables, provenance, export, transitions,
and the ``graph`` commands."""

from __future__ import annotations

import json

import networkx as nx
import polars as pl
import pytest
from click.testing import CliRunner

from exposure.errors import InputError
from exposure.graph import build_graph, export_graph
from exposure.graph.build import RATING_MIN_IMPORTANCE
from exposure.graph.cli import graph


def run(*args: str):
    return CliRunner().invoke(graph, list(args))


def test_an_unknown_taxonomy_is_refused():
    with pytest.raises(InputError) as exc:
        build_graph("isco08")
    assert str(exc.value) == "The 'taxonomy' parameter must be one of {'esco', 'onet'}. Got 'isco08' instead."


def test_every_command_has_help_with_an_example():
    for name, command in graph.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in result.output and len(command.help.splitlines()[0]) > 20, name


# --- export ------------------------------------------------------------------------------


@pytest.fixture
def small_graph() -> nx.Graph:
    G = nx.Graph()
    G.add_node("occ:1", bipartite=0, title="clerk", offshorability=0.7, alternate=["a", "b"], isco08=None)
    G.add_node("skill:x", bipartite=1, label="use e-mail", is_e_skill=True)
    G.add_edge("occ:1", "skill:x", weight=0.5, relation="optional", source="esco occupationSkillRelations optional")
    return G


def test_graphml_and_gexf_round_trip(small_graph, tmp_path):
    for fmt in ("graphml", "gexf"):
        path = export_graph(small_graph, tmp_path / f"g.{fmt}", fmt)
        back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
        assert set(back.edges()) == {("occ:1", "skill:x")}
        occ = back.nodes["occ:1"]
        assert (occ["title"], occ["offshorability"], occ["alternate"]) == ("clerk", 0.7, "a | b")
        assert "isco08" not in occ  # None is dropped, not written as "None"
        assert back.nodes["skill:x"]["is_e_skill"] is True
        edge = back.edges["occ:1", "skill:x"]
        assert (edge["weight"], edge["relation"]) == (0.5, "optional")
    assert not list(tmp_path.glob(".*part"))  # written atomically, nothing left over


def test_json_is_node_link_for_d3(small_graph, tmp_path):
    path = export_graph(small_graph, tmp_path / "g.json", "json")
    data = json.loads(path.read_text())
    link = data["links"][0]
    assert {link["source"], link["target"]} == {"occ:1", "skill:x"}
    assert link["provenance"] == "esco occupationSkillRelations optional"
    back = nx.node_link_graph(data, edges="links")
    assert back.nodes["skill:x"]["label"] == "use e-mail"


def test_an_unknown_export_format_is_refused(small_graph, tmp_path):
    with pytest.raises(InputError, match="must be one of"):
        export_graph(small_graph, tmp_path / "g.dot", "dot")


# --- the real graphs --------------------------------------------------------------------


@pytest.fixture(scope="module")
def esco(scored):
    return build_graph("esco")


@pytest.fixture(scope="module")
def onet(scored):
    return build_graph("onet")


def _side(G: nx.Graph, part: int) -> set[str]:
    return {n for n, b in G.nodes(data="bipartite") if b == part}


def _edges(G: nx.Graph) -> pl.DataFrame:
    rows = []
    for u, v, d in G.edges(data=True):
        occ, skill = (u, v) if u.startswith("occ:") else (v, u)
        rows.append({"occupation_code": occ[4:], "skill_id": skill[6:], **{k: d.get(k) for k in
                     ("source", "relation", "weight", "n_sources", "importance")}})
    return pl.DataFrame(rows)


@pytest.mark.slow
def test_esco_counts_match_the_source_tables(esco, tables):
    rel = tables["occupation_skills"].filter(pl.col("taxonomy") == "esco")
    assert rel.height == 129_004
    assert len(_side(esco, 0)) == 3039 == tables["occupations"].filter(pl.col("taxonomy") == "esco").height
    assert len(_side(esco, 1)) == rel["skill_id"].n_unique() == 13_492
    # 17 pairs are both essential and optional in the source: one edge each
    assert esco.number_of_edges() == rel.select("occupation_code", "skill_id").n_unique() == 129_004 - 17
    both = [d for _, _, d in esco.edges(data=True) if d["n_sources"] == 2]
    assert len(both) == 17
    assert all(d["relation"] == "essential" and d["weight"] == 1.0 for d in both)
    assert all(d["source"] == "esco occupationSkillRelations essential; esco occupationSkillRelations optional"
               for d in both)


@pytest.mark.slow
def test_every_esco_edge_comes_from_a_source_row(esco, tables):
    rel = tables["occupation_skills"].filter(pl.col("taxonomy") == "esco").select(
        "occupation_code", "skill_id", "relation", "weight")
    edges = _edges(esco).with_columns(
        relations=pl.col("source").str.split("; ").list.eval(pl.element().str.strip_prefix(
            "esco occupationSkillRelations ")))
    rows = edges.explode("relations").join(rel, left_on=["occupation_code", "skill_id", "relations"],
                                           right_on=["occupation_code", "skill_id", "relation"], how="left")
    assert rows["weight_right"].null_count() == 0
    assert rows.filter(pl.col("relations") == pl.col("relation"))["weight"].equals(
        rows.filter(pl.col("relations") == pl.col("relation"))["weight_right"])
    assert rows.height == 129_004  # every source row is behind exactly one edge


@pytest.mark.slow
def test_onet_counts_and_provenance(onet, tables):
    rel = tables["occupation_skills"].filter(pl.col("taxonomy") == "onet")
    kept = rel.filter((pl.col("relation") != "rating") | (pl.col("importance") >= RATING_MIN_IMPORTANCE))
    dwa = tables["task_activities"].select("occupation_code", skill_id="dwa:" + pl.col("dwa_id")).unique()
    assert len(_side(onet, 0)) == 1016
    assert onet.number_of_edges() == kept.height + dwa.height
    assert len(_side(onet, 1)) == kept["skill_id"].n_unique() + dwa["skill_id"].n_unique()
    edges = _edges(onet)
    sources = dict(edges.group_by("source").len().iter_rows())
    assert sources == {
        "onet Technology Skills": rel.filter(pl.col("relation") == "technology").height,
        "onet Tools Used": rel.filter(pl.col("relation") == "tool").height,
        "onet Skills rating": kept.filter(pl.col("relation") == "rating", pl.col("skill_id").str.starts_with(
            "2.A") | pl.col("skill_id").str.starts_with("2.B")).height,
        "onet Knowledge rating": kept.filter(pl.col("relation") == "rating",
                                             pl.col("skill_id").str.starts_with("2.C")).height,
        "onet shared DWA": dwa.height,
    }
    # every non-DWA edge is a row of occupation_skills, with its weight
    matched = edges.filter(pl.col("relation") != "activity").join(
        kept.select("occupation_code", "skill_id", "relation", w="weight"),
        on=["occupation_code", "skill_id", "relation"], how="left")
    assert matched["w"].null_count() == 0 and (matched["w"] == matched["weight"]).all()
    assert edges.filter(pl.col("relation") == "activity").join(
        dwa, on=["occupation_code", "skill_id"], how="anti").height == 0
    dwa_node = next(n for n in _side(onet, 1) if n.startswith("skill:dwa:"))
    assert onet.nodes[dwa_node]["kind"] == "activity"


@pytest.mark.slow
def test_occupation_nodes_carry_codes_isco_groups_and_scores(esco, onet, tables):
    node = esco.nodes["occ:2654.1.7"]
    assert (node["taxonomy"], node["isco08"], node["isco08_submajor"], node["isco08_major"]) == \
        ("esco", "2654", "26", "2")
    assert {"title", "offshorability", "place_boundness", "identity_dissolution", "specificity"} <= set(node)
    assert all(d["isco08"] == n[4:].split(".")[0] for n, d in esco.nodes(data=True) if d["bipartite"] == 0)
    chain = tables["crosswalk"].filter(pl.col("method") == "chain: onet>soc2018>soc2010>isco08")
    best = chain.sort(["from_code", "weight", "to_code"], descending=[False, True, False]).group_by(
        "from_code", maintain_order=True).first()
    expected = dict(best.select("from_code", "to_code").iter_rows())
    got = {n[4:]: d["isco08"] for n, d in onet.nodes(data=True) if d["bipartite"] == 0}
    assert got == expected
    assert onet.nodes["skill:technology:43232110"]["is_e_skill"] is True
    assert onet.nodes["skill:technology:43232110"]["hot_technology"] is True


@pytest.mark.slow
def test_graphml_export_of_the_onet_graph_reads_back(onet, tmp_path):
    path = export_graph(onet, tmp_path / "onet.graphml", "graphml")
    back = nx.read_graphml(path)
    assert (back.number_of_nodes(), back.number_of_edges()) == (onet.number_of_nodes(), onet.number_of_edges())
    assert back.nodes["occ:43-9021.00"]["title"] == onet.nodes["occ:43-9021.00"]["title"]


# --- transitions ------------------------------------------------------------------------


@pytest.mark.slow
def test_neighbours_exclude_the_occupation_and_return_k_rows(scored):
    from exposure.graph import neighbours

    near = neighbours("onet", "43-9021.00", k=7)  # data entry keyers
    assert near.height == 7 and "43-9021.00" not in near["occupation_code"].to_list()
    assert near.columns == ["occupation_code", "title", "skill_overlap", "task_similarity", "similarity",
                            "offshorability", "place_boundness", "identity_dissolution"]
    assert near["similarity"].is_sorted(descending=True)
    assert (near["similarity"] - (near["skill_overlap"] + near["task_similarity"]) / 2).abs().max() < 1e-9
    assert near["occupation_code"].str.starts_with("43-").sum() >= 5  # office and administrative support
    # the cached table of nearest occupations agrees with the direct computation
    from exposure.graph import transitions
    from exposure.graph.api import _task_vectors

    direct = transitions.nearest(*_task_vectors("onet"), "occ:43-9021.00", 7)
    assert direct["node"].str.strip_prefix("occ:").to_list() == near["occupation_code"].to_list()
    assert (direct["similarity"] - near["similarity"]).abs().max() < 1e-9


@pytest.mark.slow
def test_neighbours_refuse_an_unknown_code_or_k(scored):
    from exposure.graph import neighbours

    with pytest.raises(InputError, match="no onet occupation has the code '99-9999.99'"):
        neighbours("onet", "99-9999.99")
    with pytest.raises(InputError, match="k must be at least 1"):
        neighbours("onet", "43-9021.00", k=0)


@pytest.mark.slow
def test_esco_neighbours_use_descriptions(scored):
    from exposure.graph import neighbours

    near = neighbours("esco", "2512.4", k=5)  # software developer (embeds 3,039 descriptions once)
    assert near.height == 5 and "2512.4" not in near["occupation_code"].to_list()
    assert near["task_similarity"].min() > 0.3


# --- commands ---------------------------------------------------------------------------


@pytest.mark.slow
def test_graph_commands(scored, tmp_path):
    result = run("build", "--taxonomy", "onet")
    assert result.exit_code == 0, result.output
    assert "onet graph: 1,016 occupations" in result.output
    result = run("identity", "--taxonomy", "onet", "-o", str(tmp_path / "identity.csv"))
    assert result.exit_code == 0, result.output
    table = pl.read_csv(tmp_path / "identity.csv", schema_overrides={"isco08": pl.String})
    assert table.height == 1016 and table["occupation_code"].is_sorted()
    manifest = json.loads((tmp_path / "identity.csv.manifest.json").read_text())
    assert manifest["taxonomy"] == "onet" and manifest["eskill_rule"]["min_genericity"] == 0.45
    assert set(manifest["eskill_lists_sha256"]) == {"eskill_exceptions.csv", "eskills_esco.csv", "eskills_onet.csv"}
    result = run("eskills", "--taxonomy", "onet", "-o", str(tmp_path / "eskills.parquet"))
    assert result.exit_code == 0 and pl.read_parquet(tmp_path / "eskills.parquet")["is_e_skill"].sum() > 10
    result = run("export", "--taxonomy", "onet", "--format", "json", "-o", str(tmp_path / "g.json"))
    assert result.exit_code == 0 and (tmp_path / "g.json.manifest.json").is_file()
    result = run("neighbours", "43-9021.00", "--taxonomy", "onet", "-k", "3")
    assert result.exit_code == 0 and "Word Processors and Typists" in result.output
    result = run("neighbours", "nope", "--taxonomy", "onet")
    assert (result.exit_code, result.output) == (2, "Error: no onet occupation has the code 'nope'\n")
    result = run("boundaries", "--taxonomy", "onet")
    assert result.exit_code == 0 and "without e-skills" in result.output
