"""How to cite the report: tool version, data releases, build date.

The build date is not the wall clock (the same inputs give the same bytes): it is
``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else the latest
publication date of the data releases the report reads."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from exposure import __version__
from exposure.report.context import Context


def build_date(published: list[str]) -> tuple[str, str]:
    """(date, how it was chosen)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%d"), "SOURCE_DATE_EPOCH"
    return max(published), "the latest publication date of the data releases used"


def data(ctx: Context) -> dict:
    used = [r for r in ctx.inputs.releases if r["release"] in ctx.inputs.used_releases]
    date, how = build_date([r["published"] for r in used])
    releases = "; ".join(f"{r['title']} {r['version']}" for r in used)
    scope = ctx.weights.label
    line = (f"exposure {__version__}, offshoring exposure report ({ctx.options.taxonomy}, {scope}, threshold "
            f"{ctx.threshold:g}), built {date} from: {releases}.")
    ctx.fact("citation", {"version": __version__, "date": date, "date_from": how})
    return {"line": line, "date": date, "how": how, "version": __version__}
