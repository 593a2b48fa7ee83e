"""The policy analyst report on the real data: files, figures, numbers, escaping, bad input,
atomic writing, determinism, the threshold-robust headline, country reports, rounding,
the published benchmark, the citation line, and the page in headless Chromium (sorting,
filtering, no console errors, readable without scripts)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from exposure.errors import InputError
from exposure.report import DEFAULT_COUNTRIES, build_report
from exposure.report import build as report_build
from exposure.report import figures as report_figures

FIGURES = ("fig-threshold", "fig-bands", "fig-top", "fig-major-groups", "fig-distribution", "fig-wage",
           "fig-quadrant", "fig-identity", "fig-skill-graph", "fig-dissolving-history", "fig-countries", "fig-telework")
SECTIONS_US = ["findings", "headline", "top", "major-groups", "distribution", "wage", "quadrant", "identity",
               "skill-graph", "dissolving-history", "countries", "telework", "methods", "cite"]
COLUMNS = {
    "headline.csv": {"measure", "construct", "phrase", "value", "lo", "hi", "threshold"},
    "distribution.csv": {"construct", "bin_lo", "bin_hi", "occupations", "occupation_share", "employment",
                         "employment_share"},
    "major_groups.csv": {"major_code", "major_title", "employment", "employment_share", "offshorability",
                         "offshorability_lo", "offshorability_hi", "share_high_offshorability"},
    "wage_deciles.csv": {"decile", "wage_min", "wage_max", "employment", "offshorability", "offshorability_lo",
                         "offshorability_hi"},
    "occupations.csv": {"occupation_code", "title", "major_code", "skill_level", "employment", "annual_wage",
                        "offshorability", "offshorability_lo", "offshorability_hi", "routinizability",
                        "place_boundness"},
    "quadrant.csv": {"corner", "skill", "offshorability", "occupations", "employment", "employment_share",
                     "largest_occupations"},
    "identity.csv": {"group", "rank", "occupation_code", "title", "identity_dissolution", "employment"},
    "e_skills.csv": {"skill_id", "label", "genericity"},
    "skill_graph_nodes.csv": {"node", "kind", "label", "x", "y"},
    "skill_graph_edges.csv": {"source", "target"},
    "countries.csv": {"country", "country_name", "year", "survey", "employment", "offshorability",
                      "offshorability_lo", "offshorability_hi"},
    "releases.csv": {"release", "version", "licence", "attribution"},
    "validation_text_model.csv": {"construct", "pearson_r"},
    "validation_isco_agreement.csv": {"construct", "pearson_r"},
    "validation_sanity_checks.csv": {"name", "passed"},
    "threshold_curve.csv": {"construct", "threshold", "share", "share_lo", "share_hi"},
    "bands.csv": {"band", "label", "occupations", "employment", "employment_share", "rationale"},
    "top_exposed.csv": {"rank", "unit", "unit_title", "exposed", "occupations", "offshorability"},
    "telework_points.csv": {"occupation_code", "place_boundness", "teleworkable"},
    "telework_agreement.csv": {"construct", "occupations", "auc_not_teleworkable"},
    "telework_roc.csv": {"false_positive_rate", "true_positive_rate"},
    "history_dissolving.csv": {"rank", "onet_code", "title", "first_release", "n_resurveys", "employment"},
    "history_moved.csv": {"group", "occupations", "employment", "employment_share"},
    "history_first_look.csv": {"figure", "value", "note"},
}
PAYLOAD = '</td></svg><script>alert("x")</script><img src=x onerror=alert(1)> & $\\frac{1}{0}$ \'q\''


@pytest.fixture(scope="module")
def onet_report(scored, tmp_path_factory) -> Path:
    return build_report(tmp_path_factory.mktemp("report") / "onet")


@pytest.fixture(scope="module")
def isco_report(scored, tmp_path_factory) -> Path:
    return build_report(tmp_path_factory.mktemp("report") / "isco", taxonomy="isco08", employment="ilostat",
                        country="deu", countries=("FRA", "PHL", "DEU"))


def _csv(report: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(report.parent / name, infer_schema_length=None)


# --- success -------------------------------------------------------------------------------


def test_report_writes_html_and_a_csv_per_figure(onet_report):
    assert onet_report.name == "report.html" and onet_report.is_file()
    folder = onet_report.parent
    for name, columns in COLUMNS.items():
        df = _csv(onet_report, name)
        assert df.height > 0, name
        assert columns <= set(df.columns), (name, columns - set(df.columns))
        manifest = json.loads((folder / f"{name}.manifest.json").read_text())
        assert manifest["report"]["taxonomy"] == "onet"
        assert len(manifest["codebook_sha256"]) == 64
        assert {"onet", "oews", "ilostat"} <= {r["release"] for r in manifest["releases"]}
    manifest = json.loads((folder / "report.html.manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(COLUMNS)
    # nothing else, and no staging folder left beside it
    assert {p.name for p in folder.iterdir()} == {"report.html", "report.html.manifest.json",
                                                  *COLUMNS, *(f"{n}.manifest.json" for n in COLUMNS)}
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_html_is_self_contained_with_every_figure(onet_report):
    html = onet_report.read_text(encoding="utf-8")
    for fig in FIGURES:
        block = re.search(rf'<figure id="{fig}" class="fig">(.*?)</figure>', html, re.S)
        assert block and "<svg " in block.group(1), fig
    # one inline script, allowed by its hash and nothing else
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1 and html.lower().count("<script") == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert f"script-src 'sha256-{digest}'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    # no resource from elsewhere: the only URLs are XML namespaces, links are local CSVs
    urls = set(re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html))
    assert all(u.startswith(("#", "data:")) or u.endswith(".csv") for u in urls), urls
    assert "@import" not in html and "url(http" not in html
    # ids stay unique once several SVGs share the page
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_headline_shares_are_shares_with_ordered_intervals(onet_report, tables):
    head = _csv(onet_report, "headline.csv")
    assert set(head["measure"]) == {"employment share", "wage-bill share", "mean score"}
    assert set(head["construct"]) == {"offshorability", "routinizability", "place_boundness"}
    for r in head.iter_rows(named=True):
        assert 0 <= r["lo"] <= r["value"] <= r["hi"] <= 1, r
    occ = _csv(onet_report, "occupations.csv")
    us_total = tables["employment_us"].filter(pl.col("o_group") == "total")["employment"][0]
    # every worker counted once: within 0.1% of the OEWS total
    assert occ["employment"].sum() == pytest.approx(us_total, rel=1e-3)
    # the headline share is the share of that employment above the threshold
    share = occ.filter(pl.col("offshorability") > 0.5)["employment"].sum() / occ["employment"].sum()
    row = head.filter((pl.col("measure") == "employment share") & (pl.col("construct") == "offshorability"))
    assert row["value"][0] == pytest.approx(share, abs=1e-4)


def test_tables_behind_the_figures_are_consistent(onet_report):
    dist = _csv(onet_report, "distribution.csv")
    sums = dist.group_by("construct").agg(pl.col("occupation_share").sum(), pl.col("employment_share").sum())
    assert sums.height == 7  # the six exposure constructs and e_skill_content
    assert all(abs(v - 1) < 1e-3 for v in sums["occupation_share"])
    quad = _csv(onet_report, "quadrant.csv")
    assert quad.height == 4 and quad["employment_share"].sum() == pytest.approx(1, abs=1e-3)
    deciles = _csv(onet_report, "wage_deciles.csv")
    assert deciles["decile"].to_list() == list(range(1, 11))
    assert deciles["wage_min"].to_list() == sorted(deciles["wage_min"].to_list())
    countries = _csv(onet_report, "countries.csv")
    assert sorted(countries["country"]) == sorted(DEFAULT_COUNTRIES)
    for c in ("offshorability", "routinizability", "place_boundness"):
        assert (countries[f"{c}_lo"] <= countries[c]).all() and (countries[c] <= countries[f"{c}_hi"]).all()
    ident = _csv(onet_report, "identity.csv")
    dissolving = ident.filter(pl.col("group") == "dissolving")["identity_dissolution"]
    protected = ident.filter(pl.col("group") == "protected")["identity_dissolution"]
    assert dissolving.min() >= protected.max()
    nodes, edges = _csv(onet_report, "skill_graph_nodes.csv"), _csv(onet_report, "skill_graph_edges.csv")
    assert set(nodes["kind"]) == {"e-skill", "skill", "occupation"}
    assert set(edges["source"]) | set(edges["target"]) <= set(nodes["node"])


def test_isco_report_from_ilostat(isco_report, tables):
    head = _csv(isco_report, "headline.csv")
    assert "wage-bill share" not in set(head["measure"])  # ILOSTAT has no wages
    for r in head.iter_rows(named=True):
        assert 0 <= r["lo"] <= r["value"] <= r["hi"] <= 1
    occ = _csv(isco_report, "occupations.csv")
    assert occ.height == 436
    ilo = tables["employment_ilostat"].filter(
        (pl.col("country") == "DEU") & (pl.col("year") == 2018) & pl.col("isco08_2digit").str.contains(r"^\d\d$")
    )
    assert occ["employment"].sum() == pytest.approx(ilo["employment_thousands"].sum() * 1000, rel=1e-6)
    # no foreign wages: ILOSTAT has none, and US wages are not German workers' wages
    assert occ["annual_wage"].null_count() == occ.height
    assert not (isco_report.parent / "wage_deciles.csv").exists()
    countries = _csv(isco_report, "countries.csv")
    assert countries["country"].to_list() == ["DEU", "FRA", "PHL"]
    assert set(countries["year"]) == {2018}
    html = isco_report.read_text(encoding="utf-8")
    assert "Germany 2018" in html and "ESCO" in html


def test_same_inputs_give_the_same_bytes(onet_report, tmp_path):
    again = build_report(tmp_path / "again")
    first = sorted(p.name for p in onet_report.parent.iterdir())
    assert first == sorted(p.name for p in again.parent.iterdir())
    for name in first:
        assert (onet_report.parent / name).read_bytes() == (again.parent / name).read_bytes(), name


# --- escaping ------------------------------------------------------------------------------


def test_text_from_data_is_escaped(scored, tmp_path):
    options = report_build.check_options()
    inputs = report_build.load_inputs(options)
    onet = _csv_frame_largest(inputs)
    occ = inputs.occupation_scores.with_columns(
        title=pl.when((pl.col("taxonomy") == "onet") & pl.col("occupation_code").is_in(onet))
        .then(pl.lit(PAYLOAD)).otherwise(pl.col("title"))
    )
    top_skill = (inputs.skills.filter(pl.col("is_e_skill")).sort("genericity", descending=True)["skill_id"][0])
    skills = inputs.skills.with_columns(
        label=pl.when(pl.col("skill_id") == top_skill).then(pl.lit(PAYLOAD)).otherwise(pl.col("label"))
    )
    releases = [{**r, "attribution": PAYLOAD} if r["release"] == "onet" else r for r in inputs.releases]
    inputs = replace(inputs, occupation_scores=occ, skills=skills, releases=releases)
    html = report_build._build(tmp_path / "evil", inputs, options).read_text(encoding="utf-8")
    assert html.lower().count("<script") == 1 and "<img" not in html.lower()
    escaped = "&lt;/td&gt;&lt;/svg&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert html.count(escaped) >= 3  # tables (occupations, e-skills, releases)
    # in the figures matplotlib escapes the text too, and no mathtext is parsed
    assert "&lt;script&gt;alert(" in html[html.index('id="fig-skill-graph"'):]
    assert "$\\frac{1}{0}$" in html
    # the CSV keeps the text as it is
    titles = pl.read_csv(tmp_path / "evil" / "occupations.csv")["title"]
    assert PAYLOAD in titles.to_list()


def test_report_without_the_skill_graph_says_so(scored):
    options = report_build.check_options(countries=())
    inputs = replace(report_build.load_inputs(options), identity=None, skills=None, graph=None,
                     graph_note="The skill graph is not available for onet: a test stand-in.")
    rendered = report_build.render(inputs, options)
    assert "identity.csv" not in rendered.tables and "skill_graph_nodes.csv" not in rendered.tables
    assert rendered.html.count("The skill graph is not available for onet") >= 2
    assert "No comparison countries were chosen." in rendered.html
    assert 'id="fig-wage"' in rendered.html


def _csv_frame_largest(inputs) -> list[str]:
    """Codes of O*NET occupations that reach the page: the largest of each quadrant corner
    and the one whose identity dissolves most."""
    from exposure.scoring.occupations import onet_employment as onet_oews

    emp = onet_oews(inputs.occupation_scores.filter(pl.col("taxonomy") == "onet")["occupation_code"],
                    inputs.employment_us)
    largest = emp.sort("employment", descending=True)["occupation_code"].head(5).to_list()
    ident = inputs.identity.drop_nulls("identity_dissolution").sort("identity_dissolution", descending=True)
    return largest + ident["occupation_code"].head(1).to_list()


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"taxonomy": "esco"}, "unknown taxonomy 'esco'"),
    ({"taxonomy": "isco"}, "unknown taxonomy 'isco'"),
    ({"employment": "bls"}, "unknown employment source 'bls'"),
    ({"employment": "ilostat"}, "needs a country"),
    ({"employment": "ilostat", "country": "XYZ"}, "unknown ILOSTAT country 'XYZ'"),
    ({"employment": "ilostat", "country": "IND"}, "ISCO-88 only"),
    ({"employment": "ilostat", "country": "DEU", "year": 2010}, "no ILOSTAT ISCO-08 employment for DEU in 2010"),
    ({"employment": "ilostat", "country": "DEU", "year": "2018"}, "year must be a whole number"),
    ({"country": "DEU"}, "use employment 'ilostat'"),
    ({"threshold": 0}, "threshold must be between 0 and 1"),
    ({"threshold": 1}, "threshold must be between 0 and 1"),
    ({"threshold": -0.2}, "threshold must be between 0 and 1"),
    ({"threshold": float("nan")}, "threshold must be between 0 and 1"),
    ({"threshold": "high"}, "threshold must be a number"),
    ({"countries": ("DEU", "ATLANTIS")}, "unknown ILOSTAT country 'ATLANTIS'"),
])
def test_bad_input_is_a_one_line_error_and_writes_nothing(tables, tmp_path, kwargs, message):
    target = tmp_path / "out" / "report"
    with pytest.raises(InputError) as err:
        build_report(target, **kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert not target.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_file_in_the_way_is_an_input_error(scored, tmp_path):
    target = tmp_path / "report"
    target.write_text("not a folder")
    with pytest.raises(InputError, match="not a folder"):
        build_report(target, countries=())
    assert target.read_text() == "not a folder"


def test_a_failure_leaves_the_previous_report_untouched(onet_report, tmp_path, monkeypatch):
    folder = tmp_path / "report"
    shutil.copytree(onet_report.parent, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report_figures, "countries", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_report(folder, threshold=0.6)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no staging folder left
    with pytest.raises(RuntimeError):
        build_report(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_rebuilding_into_a_folder_replaces_the_report(onet_report, tmp_path):
    folder = tmp_path / "report"
    shutil.copytree(onet_report.parent, folder)
    (folder / "notes.txt").write_text("mine")
    build_report(folder, threshold=0.6, countries=())
    names = {p.name for p in folder.iterdir()}
    assert "notes.txt" in names  # not ours: kept
    assert "countries.csv" not in names and "countries.csv.manifest.json" not in names  # stale: removed
    assert _csv(folder / "report.html", "headline.csv")["threshold"][0] == 0.6


# --- what an analyst cites (issue: an exposure report a policy analyst can cite) --------------


def _html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def _quoted(report: Path) -> dict:
    return json.loads((report.parent / "report.html.manifest.json").read_text())["report"]["quoted"]


def _section_ids(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)">', html)


def _section(html: str, sid: str) -> str:
    return re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S).group(1)


def _visible(fragment: str) -> str:
    """The text a reader sees in an HTML fragment (tags and scripts removed, entities kept)."""
    fragment = re.sub(r"<svg.*?</svg>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_sections_in_order_with_key_findings_first(onet_report, isco_report):
    assert _section_ids(_html(onet_report)) == SECTIONS_US
    de = _section_ids(_html(isco_report))
    assert de[0] == "findings" and "trend" in de and de.index("trend") > de.index("quadrant")
    findings = _section(_html(onet_report), "findings")
    bullets = re.findall(r"<li>(.*?)</li>", findings.split("Main limitations")[0], re.S)
    assert 5 <= len(bullets) <= 8
    assert "Main limitations" in findings and findings.count("<li>") - len(bullets) >= 3
    # the findings are the page's first section, before any figure
    html = _html(onet_report)
    assert html.index('id="findings"') < html.index("<figure")


def test_headline_is_a_range_from_the_threshold_curve(onet_report):
    curve = _csv(onet_report, "threshold_curve.csv").filter(pl.col("construct") == "offshorability").sort("threshold")
    # a share-versus-threshold curve with its interval: ordered, and falling as the threshold rises
    assert curve.height == 19
    assert (curve["share_lo"] <= curve["share"]).all() and (curve["share"] <= curve["share_hi"]).all()
    assert curve["share"].to_list() == sorted(curve["share"].to_list(), reverse=True)
    at = dict(zip(curve["threshold"].round(2), curve["share"]))
    head = _section(_html(onet_report), "headline")
    lead = _visible(re.search(r'<p class="headline">(.*?)</p>', head, re.S).group(1))
    assert f"Between {at[0.6]:.0%} and {at[0.4]:.0%} of employment" in lead
    assert f"{at[0.5]:.0%} at 0.5" in lead
    # one sentence on what drives the width, with the share scoring in between
    occ = _csv(onet_report, "occupations.csv").filter(pl.col("employment") > 0)
    between = occ.filter((pl.col("offshorability") > 0.4) & (pl.col("offshorability") <= 0.6))["employment"].sum()
    assert f"What makes the range wide: {between / occ['employment'].sum():.0%} of employment" in _visible(head)
    assert 'id="fig-threshold"' in head


def test_exposure_bands_cover_employment_once(onet_report):
    bands = _csv(onet_report, "bands.csv")
    assert bands["band"].to_list() == [0, 1, 2, 3, 4]
    assert bands["employment_share"].sum() == pytest.approx(1, abs=1e-3)
    assert bands["occupations"].sum() == _csv(onet_report, "occupations.csv").height
    # the high bands are the occupations whose mean is above 0.6
    curve = _csv(onet_report, "threshold_curve.csv").filter(
        (pl.col("construct") == "offshorability") & ((pl.col("threshold") - 0.6).abs() < 1e-9))
    assert bands.filter(pl.col("band") >= 3)["employment_share"].sum() == pytest.approx(curve["share"][0], abs=1e-3)
    assert bands["rationale"].str.len_chars().min() > 40  # each band says why
    assert "Gmyrek et al. 2025" in _section(_html(onet_report), "headline")


def test_published_estimates_are_beside_the_headline(onet_report):
    head = _visible(_section(_html(onet_report), "headline"))
    assert "22%&ndash;29% of US jobs potentially offshorable" in head and "Blinder, A. S. (2009)" in head
    assert "37% of US jobs can be done entirely at home" in head and "Dingel, J. I. and Neiman, B. (2020)" in head


def test_no_false_precision_on_the_page(onet_report, tables):
    html = _html(onet_report)
    us_total = tables["employment_us"].filter(pl.col("o_group") == "total")["employment"][0]
    assert f"{us_total:,}" not in html and "154,186,310" not in html
    assert "154.2 million workers" in html
    occ = _csv(onet_report, "occupations.csv")
    # the equal split of a SOC code's employment never shows (Chief Sustainability Officers)
    split = occ.filter(pl.col("unit_size") > 1)
    assert split.filter(pl.col("title") == "Chief Sustainability Officers").height == 1
    for e in split["employment"].unique():
        assert f">{e:,.0f}<" not in html and f"{e:,.0f} workers" not in html
    # every worker count on the page is rounded: millions to one decimal, else two significant figures
    counts = _worker_cells(html)
    assert len(counts) > 40
    for cell in counts:
        assert re.fullmatch(r"\d+\.\d million", cell) or _significant(cell) <= 2, cell


def _worker_cells(html: str) -> list[str]:
    """The cells of every table column headed "workers..." or "employment"."""
    out = []
    for tbl in re.findall(r"<table.*?</table>", html, re.S):
        heads = [_visible(h).replace("\u2195", "").strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", tbl, re.S)]
        cols = [i for i, h in enumerate(heads) if h.startswith("workers") or h == "employment"]
        for row in re.findall(r"<tr>(.*?)</tr>", tbl.split("<tbody>")[-1], re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            out += [cells[i].strip() for i in cols if i < len(cells)]
    return out


def _significant(cell: str) -> int:
    digits = cell.replace(",", "").lstrip("0")
    return len(digits.rstrip("0")) if digits else 0


def test_top_occupations_by_exposed_workers(onet_report, isco_report):
    for report in (onet_report, isco_report):
        top = _csv(report, "top_exposed.csv")
        assert top.height == 20 and top["rank"].to_list() == list(range(1, 21))
        assert top["exposed"].to_list() == sorted(top["exposed"].to_list(), reverse=True)
        assert (top["offshorability"] > 0.5).all()
    top = _csv(onet_report, "top_exposed.csv")
    occ = _csv(onet_report, "occupations.csv")
    first = top.row(0, named=True)
    expect = occ.filter((pl.col("unit") == first["unit"]) & (pl.col("offshorability") > 0.5))["employment"].sum()
    assert first["exposed"] == pytest.approx(expect, rel=1e-6)
    # the most exposed workers are named in the key findings
    assert first["unit_title"] in _section(_html(onet_report), "findings")


def test_germany_report_is_right_for_germany(isco_report, tables):
    from exposure.report.weights import ilostat_years

    html = _html(isco_report)
    assert "OEWS" not in _visible(_section(html, "findings"))
    assert 'id="fig-wage"' not in html and "annual mean wage" not in html
    wage = _visible(_section(html, "wage"))
    assert "ILOSTAT publishes employment, not wages" in wage and "What is missing" in wage
    trend = _csv(isco_report, "trend.csv")
    assert trend["year"].to_list() == ilostat_years(tables["employment_ilostat"], "DEU")
    assert trend["year"].min() == 2014 and "no breakdown by sex" in _section(html, "trend")
    assert "covers 2014&ndash;2019 across all countries" in _visible(_section(html, "trend"))
    ilo = tables["employment_ilostat"].filter((pl.col("country") == "DEU") & pl.col("isco08_2digit").str.contains(r"^\d\d$"))
    by_year = ilo.group_by("year", "source").agg(pl.col("employment_thousands").sum() * 1000)
    for r in trend.iter_rows(named=True):
        source = by_year.filter(pl.col("year") == r["year"])["employment_thousands"].to_list()
        assert any(r["employment"] == pytest.approx(v, rel=1e-6) for v in source)
    assert "Germany 2018" in html and "41.9 million workers" in html


def _svg_texts(html: str, fig: str) -> list[str]:
    block = re.search(rf'<figure id="{fig}" class="fig">(.*?)</figure>', html, re.S).group(1)
    return [t.strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", block, re.S)]


def test_figures_are_sorted_with_full_labels_and_legible_type(onet_report):
    html = _html(onet_report)
    groups = _csv(onet_report, "major_groups.csv").filter(pl.col("employment") > 0)
    value = dict(zip(groups["major_code"].cast(pl.String).str.zfill(2), groups["offshorability"]))
    texts = " ".join(_svg_texts(html, "fig-major-groups"))
    order = re.findall(r"\((\d\d)\)", texts)
    assert sorted(order) == sorted(value)
    assert all(value[a] >= value[b] - 1e-4 for a, b in zip(order, order[1:]))  # bars in order of value
    assert "Business and Financial Operations" in texts and "Occupations (13)" in texts
    countries = _csv(onet_report, "countries.csv")
    texts = " ".join(_svg_texts(html, "fig-countries"))
    shown = sorted(countries.iter_rows(named=True), key=lambda r: texts.index(r["country_name"]))
    assert all(a["offshorability"] >= b["offshorability"] - 1e-4 for a, b in zip(shown, shown[1:]))
    for fig in FIGURES:
        assert not any("\u2026" in t for t in _svg_texts(html, fig)), fig  # nothing cut off
    sizes = [float(x) for x in re.findall(r"font(?:-size)?:\s*(?:[a-z ]+ )?([\d.]+)px", html)]
    assert sizes and min(sizes) >= 8.5  # in SVG units; figures are drawn at most 9 in wide


def test_tables_carry_sort_values_and_the_page_reads_without_scripts(onet_report):
    html = _html(onet_report)
    tables = re.findall(r'<table class="data"', html)
    assert len(tables) >= 10
    # numeric cells carry their raw value, so sorting is by number, not by rounded text
    top = _section(html, "top").split("<tbody>")[1]
    values = [float(re.findall(r'data-v="([^"]+)"', row)[1]) for row in re.findall(r"<tr>(.*?)</tr>", top, re.S)]
    assert values == pytest.approx(_csv(onet_report, "top_exposed.csv")["exposed"].to_list(), rel=1e-9)
    # without scripts everything is in the HTML: no control or content is added only by the script
    assert "<input" not in html and "<button" not in html
    assert html.count("<tr>") > 150


def test_telework_comparison_in_evaluate_and_report(onet_report, scored, tables):
    from click.testing import CliRunner

    from exposure.cli import cli
    from exposure.scoring.evaluate import telework_agreement, telework_points

    points = telework_points(scored.occupations, tables["telework"], tables["crosswalk"])
    auc = dict(telework_agreement(points).select("construct", "auc_not_teleworkable").iter_rows())
    # a published neighbour of place-boundness: clearly better than chance, not identical
    assert 0.8 < auc["place_boundness"] < 0.99
    assert auc["offshorability"] < 0.5  # offshorable work is mostly work that could be done at home
    agree = _csv(onet_report, "telework_agreement.csv")
    assert agree.filter(pl.col("construct") == "place_boundness")["auc_not_teleworkable"][0] == pytest.approx(
        auc["place_boundness"], abs=1e-4)
    text = _visible(_section(_html(onet_report), "telework"))
    assert f"AUC of {auc['place_boundness']:.2f}" in text and "Why the two constructs differ" in text
    assert "Home is not abroad" in text
    result = CliRunner().invoke(cli, ["evaluate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Dingel & Neiman (2020) teleworkability" in result.output and "place_boundness" in result.output
    assert f"{auc['place_boundness']:.3f}" in result.output


def test_dingel_neiman_release_is_imported_not_committed(tables):
    from taxonomies.releases import releases

    rel = releases()["dingel_neiman"]
    assert rel.licence.startswith("GPL-3.0") and {f.path for f in rel.files} == {
        "benchmarks/dingel_neiman_occupations_workathome.csv", "benchmarks/dingel_neiman_teleworkable_blscodes.csv"}
    t = tables["telework"]
    assert t.filter(pl.col("taxonomy") == "onet2010").height == 968
    assert t.filter(pl.col("taxonomy") == "oes2018").height == 764
    tracked = subprocess.run(["git", "ls-files"], cwd=Path(__file__).parents[1], capture_output=True, text=True).stdout
    assert "dingel_neiman_" not in tracked


def test_methods_text_matches_the_code(onet_report, scored, tables):
    html = _html(onet_report)
    methods = _visible(_section(html, "methods"))
    assert "weighted mean of the task bounds" not in html
    meta = scored.meta["text_model"]
    assert f"{meta['coverage']:.0%} coverage" in methods
    assert f"q = {meta['conformal_scale_occupation']['offshorability']:.2f} for offshorability" in methods
    weights = tables["tasks"].filter(pl.col("taxonomy") == "onet").group_by("task_type").agg(pl.col("weight").max())
    for kind, w in weights.iter_rows():
        assert f"{kind or 'unrated'} {w:,.0f}" in methods
    assert "largest lower bound of its three components" in methods


def test_figures_the_text_quotes_come_from_the_code(onet_report, isco_report):
    for report in (onet_report, isco_report):
        quoted, html = _quoted(report), _html(report)
        findings = _visible(_section(html, "findings"))
        r = quoted["range"]
        curve = _csv(report, "threshold_curve.csv").filter(pl.col("construct") == "offshorability")
        at = dict(zip(curve["threshold"].round(2), curve["share"]))
        assert r["share_at_low_threshold"] == pytest.approx(at[0.4], abs=1e-4)
        assert r["share_at_high_threshold"] == pytest.approx(at[0.6], abs=1e-4)
        assert f"Between {at[0.6]:.0%} and {at[0.4]:.0%} of" in findings and f"({at[0.5]:.0%} at 0.5)" in findings
        bands = _csv(report, "bands.csv")
        assert f"{bands.filter(pl.col('band') >= 3)['employment_share'].sum():.0%} of employment is in the high" \
            in findings
        groups = _csv(report, "major_groups.csv").filter(pl.col("employment") > 0).sort("offshorability")
        assert quoted["groups"]["highest"] == groups["major_title"][-1]
        assert quoted["groups"]["lowest"] == groups["major_title"][0]
        assert (f"highest in {groups['major_title'][-1]} ({groups['offshorability'][-1]:.2f})"
                in unescape(findings))
        top = _csv(report, "top_exposed.csv")
        assert [x["title"] for x in quoted["top"]] == top["unit_title"].head(3).to_list()
        assert all(t in unescape(findings) for t in top["unit_title"].head(3))
    wage = _csv(onet_report, "wage_deciles.csv")
    assert _quoted(onet_report)["wage"]["lowest_decile"] == pytest.approx(wage["offshorability"][0], abs=1e-4)
    assert f"Offshorability is {wage['offshorability'][0]:.2f} on average in the lowest-paid tenth" in _visible(
        _section(_html(onet_report), "findings"))
    trend = _csv(isco_report, "trend.csv")
    assert _quoted(isco_report)["trend"]["last"] == pytest.approx(trend["offshorability"][-1], abs=1e-4)


def test_citation_line_with_version_releases_and_a_reproducible_date(onet_report, monkeypatch):
    from exposure import __version__
    from taxonomies.releases import releases

    html = unescape(_html(onet_report))
    cite = _visible(_section(html, "cite"))
    manifest = json.loads((onet_report.parent / "report.html.manifest.json").read_text())
    used = [r["release"] for r in manifest["releases"]]
    latest = max(releases()[r].published for r in used)
    assert f"exposure {__version__}" in cite and f"built {latest}" in cite
    for r in used:
        assert releases()[r].title.split(" (")[0].split(",")[0] in html
    assert "not from the clock" in cite
    from exposure.report.sections.citation import build_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    assert build_date(["2020-01"]) == ("2025-01-01", "SOURCE_DATE_EPOCH")


def test_a_section_is_a_function_and_a_template(scored, tmp_path, monkeypatch):
    """The documented way to add a section: a data function, a template, one list entry."""
    from exposure.report import html as report_html
    from exposure.report import sections

    folder = tmp_path / "templates"
    shutil.copytree(report_html.TEMPLATES, folder)
    (folder / "sections" / "extra.html").write_text("<p>{{ n }} occupations, {{ name }}</p>\n")
    monkeypatch.setattr(report_html, "TEMPLATES", folder)
    report_html.environment.cache_clear()
    try:
        extra = sections.Section("extra", "An extra section", "extra.html",
                                 lambda ctx: {"n": ctx.df.height, "name": "<b>escaped</b>"})
        monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS[:2], extra])
        options = report_build.check_options(countries=())
        rendered = report_build.render(report_build.load_inputs(options), options)
    finally:
        report_html.environment.cache_clear()
    assert _section_ids(rendered.html) == ["findings", "headline", "extra"]
    assert "<p>1016 occupations, &lt;b&gt;escaped&lt;/b&gt;</p>" in rendered.html


# --- in a browser --------------------------------------------------------------------------

LAUNCH = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package "
                                   "(pip install -e '.[test]'); it drives Debian's /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=LAUNCH)
        yield b
        b.close()


def _open(browser, report: Path, **context):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, **context)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"exception: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.resolve().as_uri())
    page.wait_for_load_state("load")
    return ctx, page, problems, requests


def _column(page, table_sel: str, col: int) -> list[str]:
    return page.eval_on_selector_all(
        f"{table_sel} tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{col}].textContent.trim())")


def test_tables_sort_and_filter_in_chromium_without_console_errors(browser, onet_report):
    ctx, page, problems, requests = _open(browser, onet_report)
    try:
        assert all(u.startswith(("file://", "data:")) for u in requests), requests
        sel = 'section#top table.data'
        # sort by workers: numbers, not text ("960,000" after "1.2 million")
        workers = page.locator(f"{sel} thead th").nth(3).locator("button")
        workers.click()
        values = page.eval_on_selector_all(f"{sel} tbody tr", "rows => rows.map(r => parseFloat(r.cells[3].dataset.v))")
        assert values == sorted(values)
        workers.click()
        values = page.eval_on_selector_all(f"{sel} tbody tr", "rows => rows.map(r => parseFloat(r.cells[3].dataset.v))")
        assert values == sorted(values, reverse=True)
        assert page.locator(f"{sel} thead th").nth(3).get_attribute("aria-sort") == "descending"
        # sort by a text column
        page.locator(f"{sel} thead th").nth(2).locator("button").click()
        titles = _column(page, sel, 2)
        assert titles == sorted(titles, key=str.casefold)
        # filter: only rows containing every word stay visible, and the count says so
        box = page.locator("section#top .tools input[type=search]")
        box.fill("clerks")
        shown = _column(page, sel, 2)
        assert shown and all("clerk" in t.lower() for t in shown) and len(shown) < 20
        assert page.locator("section#top .tools .count").text_content() == f"{len(shown)} of 20 rows"
        box.fill("no such occupation anywhere")
        assert _column(page, sel, 2) == []
        box.fill("")
        assert len(_column(page, sel, 2)) == 20
        # the whole page: every section and figure drawn, nothing wider than the window
        info = page.evaluate("""() => ({
            sections: document.querySelectorAll('main section').length,
            figures: Array.from(document.querySelectorAll('figure.fig svg')).map(s => s.getBoundingClientRect().width),
            overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
            wide: Array.from(document.querySelectorAll('.tbl')).filter(d => d.scrollWidth > d.clientWidth + 1).length,
            boxes: document.querySelectorAll('.tools input').length})""")
        assert info["sections"] == len(SECTIONS_US) and len(info["figures"]) == len(FIGURES)
        assert min(info["figures"]) > 500 and not info["overflow"] and info["boxes"] >= 8
        assert info["wide"] == 0  # every table fits the page: nothing to scroll sideways
        # legible type: body 16 px, tables at least 14 px; in print 11 pt, without the contents and filter boxes
        sizes = page.evaluate("""() => [getComputedStyle(document.body).fontSize,
                                        getComputedStyle(document.querySelector('table.data')).fontSize]""")
        assert float(sizes[0][:-2]) >= 16 and float(sizes[1][:-2]) >= 14
        page.emulate_media(media="print")
        printed = page.evaluate("""() => [getComputedStyle(document.body).fontSize,
            getComputedStyle(document.querySelector('nav.toc')).display,
            getComputedStyle(document.querySelector('.tools')).display]""")
        assert float(printed[0][:-2]) >= 14.6 and printed[1:] == ["none", "none"]
        assert problems == []
    finally:
        ctx.close()


def test_germany_report_in_chromium_and_without_scripts(browser, isco_report):
    ctx, page, problems, _ = _open(browser, isco_report)
    try:
        assert problems == []
        assert page.locator("section#trend figure svg").count() == 1
        page.locator("section#countries thead th").nth(0).locator("button").click()
        names = _column(page, "section#countries table.data", 0)
        assert names == sorted(names)
    finally:
        ctx.close()
    ctx, page, problems, _ = _open(browser, isco_report, java_script_enabled=False)
    try:
        # without scripts: the same tables, no controls, nothing broken
        assert page.locator("table.data").count() >= 10 and page.locator(".tools").count() == 0
        assert page.locator("section#top tbody tr").count() == 20
        assert "Key findings" in page.locator("section#findings h2").text_content()
        assert problems == []
    finally:
        ctx.close()


def test_the_browser_check_sees_errors(browser, tmp_path):
    """The harness itself: a page that logs an error, throws and misses an image is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>bad</title></head><body><img src='missing.png'>"
                   "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    ctx, page, problems, _ = _open(browser, bad)
    ctx.close()
    text = " | ".join(problems)
    assert "boom" in text and "undefinedFunction" in text and "missing.png" in text


def test_docs_link_small_full_page_screenshots_of_both_reports():
    from PIL import Image

    docs = Path(__file__).parents[1] / "docs"
    text = (docs / "report.md").read_text(encoding="utf-8")
    for name in ("report-onet-oews.png", "report-isco08-ilostat-deu-2018.png"):
        assert f"]({name})" in text, name
        path = docs / name
        assert path.stat().st_size < 1_000_000, name
        width, height = Image.open(path).size
        assert width >= 750 and height > 10 * width, (name, width, height)  # the whole page, not a window
