"""The web explorer in a real browser: `exposure serve` in a subprocess on a free port, driven
by Playwright through Debian's Chromium (installed by the `chromium` fixture when missing).

Flow: search as you type -> open an occupation (keyboard) -> a safer move -> compare ->
download; the explore table; the API docs offline; the core pages without JavaScript; no
console error and no request to any other host. Screenshots go to a temporary folder
(printed), or to $EXPOSURE_WEB_SCREENSHOTS when set. The last test stops the server with
Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'exposure[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install playwright")

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
KEYER = "/occupation/onet/43-9021.00"
START_TIMEOUT = 900  # s: the first start may build the skill-graph caches


@pytest.fixture(scope="module")
def server(scored, data_dir):
    """`exposure serve --port 0` on the session's data folder: (process, base URL, output lines)."""
    env = {**os.environ, "EXPOSURE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "exposure", "serve", "--port", "0"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read(stream):
        for line in stream:
            lines.put(line)

    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=read, args=(stream,), daemon=True).start()
    base = None
    try:
        while base is None:
            line = lines.get(timeout=START_TIMEOUT)
            seen.append(line)
            m = re.match(r"exposure explorer: (http://127\.0\.0\.1:\d+)/ ", line)
            base = m.group(1) if m else None
    except queue.Empty:
        proc.kill()
        pytest.fail(f"exposure serve did not start: {''.join(seen)}")
    yield proc, base, lines
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("EXPOSURE_WEB_SCREENSHOTS") or tmp_path_factory.mktemp("web-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


class Watch:
    """Console errors, uncaught exceptions, failed requests and requests to other hosts."""

    def __init__(self, page, base: str):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("request", lambda r: r.url.startswith((base, "data:", "blob:"))
                or self.problems.append(f"other host: {r.url}"))


def test_search_open_safer_move_compare_download(server, browser, shots):
    _, base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page, base)

    # search as you type: the results come from the JSON API, the address follows
    page.goto(base + "/")
    box = page.get_by_label("Occupation title or code")
    box.press_sequentially("data entry keyer", delay=40)
    page.locator(f'#results a[href="{KEYER}"]').first.wait_for()
    assert page.url == base + "/search?q=data+entry+keyer&taxonomy="
    assert page.locator("#results .result").count() == 3
    page.screenshot(path=shots / "1-search.png", full_page=True)

    # open it with the keyboard: arrow down to the first result, Enter
    box.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == KEYER
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + KEYER
    assert page.locator("h1").inner_text() == "Data Entry Keyers"
    assert page.locator("#print").is_visible()  # shown by the script
    page.screenshot(path=shots / "2-occupation.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # a one-page card
    (shots / "2-occupation-card.pdf").write_bytes(pdf)

    # a safer move
    first_move = page.locator("section.moves tbody tr").first
    move_title = first_move.locator("td a").first.inner_text()
    with page.expect_navigation():
        first_move.locator("td a").first.click()
    assert page.locator("h1").inner_text() == move_title
    page.screenshot(path=shots / "3-safer-move.png", full_page=True)
    page.go_back()

    # compare with it
    with page.expect_navigation():
        page.locator("section.moves tbody tr").first.get_by_role("link", name="compare").click()
    heading = page.locator("h1").inner_text()
    assert "Data Entry Keyers" in heading and move_title in heading
    from exposure.scoring.codebook import CONSTRUCTS

    assert page.locator("table.compare tbody tr").count() == len(CONSTRUCTS)  # one row per score
    page.screenshot(path=shots / "4-compare.png", full_page=True)

    # download the comparison
    with page.expect_download() as download:
        page.locator("#compare-csv").click()
    df = pl.read_csv(download.value.path())
    assert df["construct"].to_list() == ["offshorability", *[c for c in CONSTRUCTS if c != "offshorability"]]
    assert (df["change"] - (df["b"] - df["a"])).abs().max() < 1e-3

    # explore: sort by a column header, download the table
    page.goto(base + "/explore/onet")
    with page.expect_navigation():
        page.locator("table.explore thead").get_by_role("link", name="Offshorability", exact=True).click()
    assert page.locator('th[aria-sort="descending"]').text_content().strip().startswith("Offshorability")
    values = [float(v) for v in page.locator("table.explore tbody tr td:nth-child(5)").all_inner_texts()[:20]]
    assert values == sorted(values, reverse=True)
    page.screenshot(path=shots / "5-explore.png")
    with page.expect_download() as download:
        page.locator("#explore-csv").click()
    table = pl.read_csv(download.value.path())
    assert table.height > 1000 and table["offshorability"].to_list() == sorted(table["offshorability"], reverse=True)

    # the API documentation renders from local files
    page.goto(base + "/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == 5
    page.screenshot(path=shots / "6-api-docs.png")

    assert watch.problems == []
    context.close()


def test_core_pages_work_without_javascript(server, browser, shots):
    _, base, _ = server
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + "/")
    assert page.evaluate("document.activeElement.id") == "q"  # the search box has the focus
    page.keyboard.type("roofer")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search?q=roofer" in page.url
    with page.expect_navigation():
        page.locator('#results a[href="/occupation/onet/47-2181.00"]').first.click()
    assert page.locator("h1").inner_text() == "Roofers"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert not page.locator("#print").is_visible()  # the print button needs the script
    page.get_by_label("Compare with another occupation (title or code)").fill("carpenter")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    with page.expect_navigation():
        page.locator('a[href="/compare?a=onet%3A47-2181.00&b=onet%3A47-2031.00"]').first.click()
    assert "Roofers" in page.locator("h1").inner_text() and "Carpenters" in page.locator("h1").inner_text()
    page.screenshot(path=shots / "7-compare-no-js.png", full_page=True)
    assert watch.problems == []
    context.close()


def test_unknown_code_page_offers_search(server, browser):
    _, base, _ = server
    page = browser.new_page()
    response = page.goto(base + "/occupation/onet/99-9999.00")
    assert response.status == 404
    assert page.get_by_role("alert").inner_text() == "Error: no occupation matches '99-9999.00'"
    assert page.get_by_label("Occupation title or code").is_visible()
    page.close()


def test_ctrl_c_stops_the_server_cleanly(server):
    proc, _, lines = server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert "exposure explorer stopped.\n" in rest
    assert not any("Traceback" in line for line in rest)
