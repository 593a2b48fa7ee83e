"""The policy analyst report on the real data: files, figures, numbers, escaping, bad input,
atomic writing, determinism, and rendering in headless Chromium."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from exposure.errors import InputError
from exposure.report import DEFAULT_COUNTRIES, build_report
from exposure.report import build as report_build
from exposure.report import figures as report_figures

FIGURES = ("fig-headline", "fig-distribution", "fig-major-groups", "fig-wage", "fig-quadrant",
           "fig-identity", "fig-skill-graph", "fig-countries")
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
    assert "<script" not in html.lower()
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
    assert "<script" not in html.lower() and "<img" not in html.lower()
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


# --- in a browser --------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


class DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket (RFC 6455), enough to
    load a page and collect its console messages, exceptions and requests."""

    def __init__(self, ws_url: str, timeout: float = 60.0):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", ws_url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            head += chunk
        assert head.split(b"\r\n")[0].split()[1] == b"101", head
        self.next_id = 0
        self.events: list[dict] = []

    def _recv_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _recv_message(self) -> dict:
        parts = b""
        while True:
            b0, b1 = self._recv_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            if opcode == 9:  # ping
                self._send_frame(10, payload)
                continue
            if opcode == 8:
                raise ConnectionError("DevTools closed the websocket")
            parts += payload
            if b0 & 0x80:
                return json.loads(parts)

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self._send_frame(1, json.dumps({"id": self.next_id, "method": method, "params": params}).encode())
        while True:
            msg = self._recv_message()
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(self._recv_message())

    def drain(self, seconds: float) -> None:
        """Collect the events that arrive in the next ``seconds``."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                self.events.append(self._recv_message())
            except (TimeoutError, socket.timeout):
                return
            finally:
                self.sock.settimeout(60.0)

    def close(self) -> None:
        self.sock.close()


def open_in_chromium(page: Path, profile: Path, probe: str) -> dict:
    """Load ``page`` in headless Chromium; return its console errors, exceptions, the
    URLs it requested and the value of the JavaScript expression ``probe``."""
    profile.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
         "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"Chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as resp:
            targets = json.load(resp)
        target = next(t for t in targets if t.get("type") == "page")
        dt = DevTools(target["webSocketDebuggerUrl"])
        try:
            for domain in ("Runtime", "Log", "Page", "Network"):
                dt.call(f"{domain}.enable")
            dt.events.clear()
            dt.call("Page.navigate", url=page.resolve().as_uri())
            dt.wait_for("Page.loadEventFired")
            dt.drain(1.0)
            value = dt.call("Runtime.evaluate", expression=probe, returnByValue=True)
        finally:
            dt.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    errors = []
    for e in dt.events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif e.get("method") == "Runtime.exceptionThrown":
            errors.append(p["exceptionDetails"].get("exception", {}).get("description")
                          or p["exceptionDetails"].get("text"))
        elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            errors.append(f"{p['entry']['text']} {p['entry'].get('url', '')}".strip())
    requests = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    return {"errors": errors, "requests": requests, "value": value.get("result", {}).get("value")}


PROBE = """JSON.stringify({
  title: document.title,
  sections: document.querySelectorAll('main section').length,
  figures: Array.from(document.querySelectorAll('figure.fig')).map(f => {
    const svg = f.querySelector('svg'); const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {id: f.id, width: r.width, height: r.height, texts: svg ? svg.querySelectorAll('text').length : 0};
  }),
  overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
})"""


needs_chromium = pytest.mark.usefixtures("chromium")


@needs_chromium
def test_report_renders_in_chromium_without_console_errors(onet_report, tmp_path):
    seen = open_in_chromium(onet_report, tmp_path / "profile", PROBE)
    assert seen["errors"] == []
    assert all(u.startswith(("file://", "data:")) for u in seen["requests"]), seen["requests"]
    page = json.loads(seen["value"])
    assert page["title"].startswith("Offshoring exposure report")
    assert page["sections"] == 9
    assert [f["id"] for f in page["figures"]] == list(FIGURES)
    for f in page["figures"]:
        assert f["width"] > 300 and f["height"] > 100 and f["texts"] > 3, f
    assert not page["overflow"]


@needs_chromium
def test_the_browser_check_sees_errors(tmp_path):
    """The harness itself: a page that logs an error, throws and misses an image is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>bad</title></head><body><img src='missing.png'>"
                   "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    seen = open_in_chromium(bad, tmp_path / "profile", "document.title")
    assert seen["value"] == "bad"
    text = " | ".join(seen["errors"])
    assert "boom" in text and "undefinedFunction" in text and "missing.png" in text
