"""The web explorer in-process (FastAPI's TestClient) on the real data: every route, the same
content as the library, escaping, bad input (400/404), CSV downloads, no resource from
elsewhere, and the `exposure serve` command's start-up errors."""

from __future__ import annotations

import io
import json
import re

import polars as pl
import pytest
from click.testing import CliRunner

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'exposure[web]'")
from fastapi.testclient import TestClient  # noqa: E402

from exposure.cli import cli  # noqa: E402
from exposure.scoring.codebook import CONSTRUCTS  # noqa: E402

pytestmark = pytest.mark.slow
PAYLOAD = '</td><script>alert("x")</script><img src=x onerror=alert(1)> & \'q\''
KEYER = "/occupation/onet/43-9021.00"


@pytest.fixture(scope="module")
def explorer(scored):
    from exposure.web.explorer import Explorer

    return Explorer(scored).warm()


@pytest.fixture(scope="module")
def client(explorer):
    from exposure.web.app import create_app

    with TestClient(create_app(explorer), follow_redirects=False) as c:
        yield c


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


# --- search ------------------------------------------------------------------------------


def test_search_page_works_without_javascript(client):
    r = client.get("/search", params={"q": "data entry keyer"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert KEYER in links(r.text)
    assert 'name="q"' in r.text and 'value="data entry keyer"' in r.text
    assert '<label for="q">' in r.text and '<label class="inline" for="taxonomy">' in r.text


def test_search_uses_the_matching_of_exposure_score(client):
    from exposure.match import resolve

    for q in ("data entry keyer", "15-1252", "2512", "software dev", "nurse"):
        body = client.get("/api/search", params={"q": q}).json()
        assert [r["taxonomy"] for r in body["results"]] == ["onet", "isco08", "esco"]
        for r in body["results"]:
            row = resolve([q], r["taxonomy"]).row(0, named=True)
            assert r["status"] == row["match_status"], (q, r)
            if row["match_status"] != "unmatched":
                assert r["choices"][0]["code"] == row["matched_code"]


def test_ambiguity_is_a_choice_not_a_silent_pick(client):
    body = client.get("/api/search", params={"q": "nurse", "taxonomy": "esco"}).json()
    (r,) = body["results"]
    assert r["status"] == "ambiguous"
    assert [c["role"] for c in r["choices"]] == ["candidate", "candidate"]
    page = client.get("/search", params={"q": "nurse", "taxonomy": "esco"})
    assert page.status_code == 200  # no redirect to either
    assert "fits several occupations: choose one" in page.text
    for c in r["choices"]:
        assert c["url"] in links(page.text)


def test_suggestions_are_titles_that_contain_the_query(client):
    body = client.get("/api/search", params={"q": "roof"}).json()
    assert body["suggestions"]
    for s in body["suggestions"]:
        assert "roof" in s["label"].lower()
        assert s["url"] == f"/occupation/{s['taxonomy']}/{s['code']}"
    assert {"onet", "esco"} <= {s["taxonomy"] for s in body["suggestions"]}
    assert "/occupation/onet/47-2181.00" in [s["url"] for s in body["suggestions"]]  # Roofers


def test_empty_search_is_the_start_page(client):
    r = client.get("/")
    assert r.status_code == 200 and "Find an occupation" in r.text
    assert client.get("/api/search", params={"q": "  "}).json()["results"] == []


# --- occupation pages ---------------------------------------------------------------------


def test_occupation_page_shows_the_lookup(client, scored):
    from markupsafe import escape

    from exposure.lookup import lookup

    page = lookup("43-9021.00", scored, "onet")
    r = client.get(KEYER)
    assert r.status_code == 200
    html = r.text
    assert "<h1 id=\"occ-title\">Data Entry Keyers</h1>" in html
    for label in ("Offshorability", "Routinizability", "Place-boundness", "Person-bound", "Site-bound",
                  "Material-bound", "Tasks that can move", "Tasks that stay", "Skill profile", "Safer moves"):
        assert label in html
    assert str(escape(" ".join(page.summary.sentences))) in html  # the plain-language summary
    off = next(c for c in page.scores if c.name == "offshorability")
    assert f"{off.lo:.2f}&ndash;{off.hi:.2f}" in html and f'<span class="band band-{off.band}">' in html
    for t in page.tasks.most_exposed + page.tasks.least_exposed:
        assert str(escape(t.text)) in html
        assert str(escape(t.why[0])) in html
    assert page.moves.moves
    for m in page.moves.moves:
        assert f"/occupation/onet/{m.code}" in links(html)
        assert f"/compare?a=onet%3A43-9021.00&amp;b=onet%3A{m.code}" in html
        assert str(escape("To learn: " + "; ".join(m.skills_to_learn))) in html
    for s in page.skills.e_skills:
        assert str(escape(s)) in html
    # the identity measure in words and its trajectory over the O*NET releases
    assert "Screen work with e-skills" in html
    assert page.history["line"] and str(escape(page.history["line"])) in html


def test_occupation_json_is_the_lookup(client, scored):
    from exposure.lookup import lookup

    expected = json.loads(lookup("2512.4", scored, "esco").to_json())
    assert client.get("/api/occupations/esco/2512.4").json() == expected


def test_other_shapes_of_a_code_redirect_to_its_stable_address(client):
    r = client.get("/occupation/isco08/110")
    assert r.status_code == 301 and r.headers["location"] == "/occupation/isco08/0110"
    r = client.get("/occupation/onet/43-9021")  # SOC 2018 code -> its O*NET-SOC occupation
    assert r.status_code == 301 and r.headers["location"] == KEYER


@pytest.mark.parametrize("path", ["/occupation/onet/99-9999.00", "/occupation/onet/accountant",
                                  "/occupation/esco/2512", "/occupation/soc/15-1252", "/no/such/page"])
def test_unknown_code_is_a_404_page_that_offers_search(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "Not found" in r.text and "Error: " in r.text
    assert '<form class="search" action="/search" method="get" role="search">' in r.text


def test_unknown_code_in_the_api_is_a_json_404(client):
    r = client.get("/api/occupations/onet/99-9999.00")
    assert r.status_code == 404
    assert r.json() == {"error": "no occupation matches '99-9999.00'", "status": 404}


def test_pages_without_a_task_list_or_skills_still_render(client):
    r = client.get("/occupation/isco08/0110")
    assert r.status_code == 200 and "Commissioned Armed Forces Officers has no task list." in r.text
    assert "Already in the lowest quarter of offshorability." in r.text
    r = client.get("/occupation/onet/11-9199.00")
    assert r.status_code == 200 and "Managers, All Other has no task list." in r.text


@pytest.mark.parametrize("table", ["scores", "tasks", "safer-moves"])
def test_occupation_tables_download_as_csv(client, scored, table):
    from exposure.lookup import lookup

    r = client.get(f"{KEYER}/{table}.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="onet-43-9021.00-{table}.csv"' in r.headers["content-disposition"]
    df = pl.read_csv(io.BytesIO(r.content))
    page = lookup("43-9021.00", scored, "onet")
    expected = {"scores": len(CONSTRUCTS), "safer-moves": len(page.moves.moves),
                "tasks": len(page.tasks.most_exposed) + len(page.tasks.least_exposed)}[table]
    assert df.height == expected
    if table == "tasks":
        assert set(df["group"]) == {"most_exposed", "least_exposed"}
        assert df["evidence"].to_list() == [" | ".join(t.evidence) for t in page.tasks.most_exposed
                                            + page.tasks.least_exposed]  # every piece of evidence kept
    if table == "safer-moves":
        assert df["skills_to_learn"].to_list() == [" | ".join(m.skills_to_learn) for m in page.moves.moves]


# --- compare -------------------------------------------------------------------------------


def test_compare_two_occupations(client, scored):
    from exposure.lookup import lookup

    r = client.get("/compare", params={"a": "onet:43-9021.00", "b": "onet:43-4051.00"})
    assert r.status_code == 200
    assert "Data Entry Keyers" in r.text and "Customer Service Representatives" in r.text
    a, b = (next(c.score for c in lookup(code, scored).scores if c.name == "offshorability")
            for code in ("43-9021.00", "43-4051.00"))
    body = client.get("/api/compare", params={"a": "onet:43-9021.00", "b": "onet:43-4051.00"}).json()
    row = next(s for s in body["scores"] if s["construct"] == "offshorability")
    assert row["change"] == pytest.approx(b - a, abs=1e-4)
    assert f"{b - a:+.2f}" in r.text
    csv = pl.read_csv(io.BytesIO(client.get("/compare.csv", params={"a": "onet:43-9021.00",
                                                                      "b": "onet:43-4051.00"}).content))
    assert sorted(csv["construct"].to_list()) == sorted(CONSTRUCTS)


def test_compare_with_a_typed_title_offers_choices(client):
    r = client.get("/compare", params={"a": "onet:43-9021.00", "b": "medical secretary"})
    assert r.status_code == 200
    assert "/compare?a=onet%3A43-9021.00&amp;b=onet%3A43-6013.00" in r.text
    r = client.get("/compare", params={"a": "roofer"})
    assert "/compare?a=onet%3A47-2181.00&amp;b=" in r.text


# --- explore -------------------------------------------------------------------------------


def test_explore_table_sorts_and_filters(client, scored):
    onet = scored.occupations.filter(pl.col("taxonomy") == "onet")
    body = client.get("/api/occupations/onet", params={"sort": "offshorability", "desc": "true",
                                                       "limit": 5000}).json()
    assert body["total"] == onet.height == len(body["rows"])
    values = [r["offshorability"] for r in body["rows"]]
    assert values == sorted(values, reverse=True)
    assert {"employment", "annual_wage", "identity_dissolution"} <= set(body["columns"])
    clerks = client.get("/api/occupations/onet", params={"q": "Clerk", "major": "43"}).json()
    assert clerks["total"] > 10
    assert all("clerk" in r["title"].lower() and r["occupation_code"].startswith("43") for r in clerks["rows"])
    page = client.get("/explore/onet", params={"sort": "offshorability", "desc": "1"})
    assert page.status_code == 200 and 'aria-sort="descending"' in page.text
    assert f"{onet.height:,} occupations" in page.text


def test_explore_csv_has_every_row_and_employment(client, scored):
    r = client.get("/explore/isco08.csv")
    assert r.status_code == 200
    df = pl.read_csv(io.BytesIO(r.content))
    assert df.height == scored.occupations.filter(pl.col("taxonomy") == "isco08").height
    assert df["employment"].sum() > 100_000_000  # the US workforce, through the crosswalk
    esco = pl.read_csv(io.BytesIO(client.get("/explore/esco.csv", params={"q": "nurse"}).content))
    assert esco.height > 5 and "employment" not in esco.columns


def test_csv_downloads_defuse_spreadsheet_formulas():
    from exposure.web.pages import csv_response

    df = pl.DataFrame({"title": ["=HYPERLINK(\"http://x\")", "+1+1", "-5", "@SUM(A1)", "Roofers"]})
    body = csv_response(df, "x.csv").body.decode()
    assert pl.read_csv(io.BytesIO(body.encode()))["title"].to_list() == [
        "'=HYPERLINK(\"http://x\")", "'+1+1", "-5", "'@SUM(A1)", "Roofers"]


def test_explore_bad_parameters_are_400(client):
    for params in ({"sort": "nope"}, {"page": "0"}, {"size": "abc"}):
        r = client.get("/explore/onet", params=params)
        assert r.status_code == 400 and "Error: " in r.text, params
    for params in ({"sort": "nope"}, {"limit": "0"}, {"offset": "-1"}):
        r = client.get("/api/occupations/onet", params=params)
        assert r.status_code == 400 and r.json()["error"], params
    assert "cannot sort by 'nope'" in client.get("/api/occupations/onet", params={"sort": "nope"}).json()["error"]


# --- reports -------------------------------------------------------------------------------


def test_reports_are_built_once_and_served_as_files(client, explorer):
    r = client.get("/reports/open", params={"taxonomy": "onet", "employment": "oews"})
    assert r.status_code == 303 and r.headers["location"] == "/reports/onet-oews/report.html"
    html = client.get(r.headers["location"])
    assert html.status_code == 200 and "<svg" in html.text
    csvs = [u for u in links(html.text) if u.endswith(".csv")]
    assert "occupations.csv" in csvs
    for name in csvs:
        assert client.get(f"/reports/onet-oews/{name}").status_code == 200, name
    built = explorer.reports_root / "onet-oews" / "report.html"
    before = built.stat().st_mtime_ns
    assert client.get("/reports/open", params={"taxonomy": "onet"}).status_code == 303
    assert built.stat().st_mtime_ns == before  # served from the cache folder, not rebuilt
    assert "onet-oews" in client.get("/reports").text
    assert client.get("/api/reports").json()["built"][0]["name"] == "onet-oews"


@pytest.mark.parametrize(("params", "status"), [
    ({"taxonomy": "esco"}, 400), ({"taxonomy": "isco08", "employment": "ilostat"}, 400),
    ({"taxonomy": "isco08", "employment": "ilostat", "country": "../../etc"}, 400),
    ({"taxonomy": "isco08", "employment": "ilostat", "country": "DEU", "year": "soon"}, 400),
])
def test_bad_report_options_are_400(client, params, status):
    r = client.get("/reports/open", params=params)
    assert r.status_code == status and "Error: " in r.text


@pytest.mark.parametrize("path", ["/reports/onet-oews/..%2F..%2Fmeta.json", "/reports/../cache/x.csv",
                                  "/reports/onet-oews/report.html.manifest.json", "/reports/nope/report.html"])
def test_report_files_outside_a_report_are_404(client, path):
    assert client.get(path).status_code == 404


# --- bad input, escaping, assets ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/search?q=" + "a" * 201, "/api/search?q=" + "a" * 201, "/search?q=%FF%FE",
                                 "/api/search?q=abc%00def", "/occupation/onet/43-9021.00%FF",
                                 "/api/occupations/onet/" + "1" * 300, "/compare?a=onet:43-9021.00&b=%C3%28"])
def test_over_long_or_binary_input_is_400(client, url):
    r = client.get(url)
    assert r.status_code == 400, (url, r.status_code)
    text = r.json()["error"] if url.startswith("/api") else r.text
    assert "longer than 200 characters" in text or "not printable text" in text


def test_user_input_is_escaped_everywhere(client):
    pages = [client.get("/search", params={"q": PAYLOAD}),
             client.get("/compare", params={"a": "onet:43-9021.00", "b": PAYLOAD}),
             client.get("/compare", params={"a": PAYLOAD}),
             client.get("/explore/onet", params={"q": PAYLOAD}),
             client.get("/occupation/onet/" + PAYLOAD.replace("/", "")),
             client.get("/reports/open", params={"country": PAYLOAD})]
    for r in pages:
        assert r.status_code in (200, 400, 404)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, r.url
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[0].text


def test_every_asset_is_local(client):
    for path in ("/", "/search?q=roofer", KEYER, "/compare?a=onet:43-9021.00&b=onet:43-4051.00",
                 "/explore/esco", "/reports", "/docs"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "default-src 'self'" in r.headers["content-security-policy"]
        for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", r.text):
            assert url.startswith(("/", "#")), (path, url)
            if url.startswith("/static"):
                assert client.get(url).status_code == 200, url
    docs = client.get("/docs").text
    assert "/static/api-docs/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/api/search", "/api/occupations/{taxonomy}/{code}", "/api/compare",
                                  "/api/occupations/{taxonomy}", "/api/reports"}
    for ops in spec["paths"].values():
        assert set(ops["get"]["responses"]) == {"200", "400", "404"}


# --- the command ---------------------------------------------------------------------------


def test_serve_help_has_an_example():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "exposure serve --port 8080" in result.output


def test_serve_without_data_stops_with_the_cli_error(empty_data_dir):
    served = CliRunner().invoke(cli, ["serve", "--port", "0"])
    looked = CliRunner().invoke(cli, ["lookup", "43-9021.00"])
    assert served.exit_code == looked.exit_code == 1
    assert served.stderr == looked.stderr
    assert served.stderr.startswith("Error: ") and served.stderr.count("\n") == 1


def test_serve_on_a_busy_port_is_one_line_exit_2(scored):
    from exposure.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    finally:
        sock.close()
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_non_local_host_is_stated_on_start(scored, explorer, monkeypatch):
    import uvicorn

    from exposure.web import server

    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    lines: list[str] = []
    server.serve(scored, "0.0.0.0", 0, say=lines.append)
    assert lines[0].startswith("Note: listening on 0.0.0.0, not only on this computer")
    assert re.match(r"exposure explorer: http://0\.0\.0\.0:\d+/ ", lines[1])
    lines.clear()
    server.serve(scored, "127.0.0.1", 0, say=lines.append)
    assert not any(line.startswith("Note") for line in lines)


def test_search_queries_leave_nothing_in_the_embedding_cache(client):
    from exposure.config import cache_dir
    from exposure.embed import embed, unsaved

    shards = lambda: sorted((cache_dir() / "embeddings").rglob("shard-*.parquet"))  # noqa: E731
    before = shards()
    body = client.get("/api/search", params={"q": "someone who repairs antique clocks"}).json()
    assert body["results"][0]["status"] in ("matched", "ambiguous", "unmatched")
    assert shards() == before
    with unsaved():
        kept = embed(["someone who repairs antique clocks"])
    assert shards() == before
    import numpy as np

    saved = embed(["someone who repairs antique clocks"])  # the same vector, saved this time
    assert np.allclose(saved, kept, atol=1e-5)
    assert len(shards()) == len(before) + 1


def test_a_local_server_answers_only_local_host_names(explorer):
    from exposure.web.app import create_app

    with TestClient(create_app(explorer, allowed_hosts=["127.0.0.1", "localhost"]),
                    base_url="http://127.0.0.1:8000") as local:
        assert local.get("/api/search", params={"q": "roofer"}).status_code == 200
        rebound = local.get("/api/search", params={"q": "roofer"}, headers={"Host": "evil.example:8000"})
        assert rebound.status_code == 400
