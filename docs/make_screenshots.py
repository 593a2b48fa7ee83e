"""Full-page screenshots of the default and the Germany ILOSTAT report for docs/report.md.

Run from the checkout (needs the playwright package and Debian's /usr/bin/chromium):

    python docs/make_screenshots.py

Builds both reports into a temporary folder, photographs each whole page laid out 1000 px
wide, at the largest device scale (1 down to 0.75) whose 256-colour PNG stays under 1 MB.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from exposure.report import build_report

DOCS = Path(__file__).parent
LAUNCH = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run"]
REPORTS = {
    "report-onet-oews.png": {},
    "report-isco08-ilostat-deu-2018.png": {"taxonomy": "isco08", "employment": "ilostat", "country": "DEU",
                                           "year": 2018},
}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH)
        for name, options in REPORTS.items():
            page_path = build_report(Path(tmp) / name, **options)
            # the page laid out 1000 px wide, drawn at the largest scale whose 256-colour PNG stays under 1 MB
            for scale in (1.0, 0.9, 0.85, 0.8, 0.75):
                context = browser.new_context(viewport={"width": 1000, "height": 900}, device_scale_factor=scale)
                page = context.new_page()
                page.goto(page_path.resolve().as_uri())
                shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
                context.close()
                small = shot.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
                small.save(DOCS / name, optimize=True)
                if (DOCS / name).stat().st_size < 950_000:  # under 1 MB with room to spare
                    break
            print(f"{DOCS / name}: {shot.size[0]}x{shot.size[1]}, {(DOCS / name).stat().st_size / 1e6:.2f} MB")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
