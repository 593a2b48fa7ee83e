"""The policy analyst report: one self-contained HTML page plus the table behind every
figure as CSV, each with a manifest.

Flow: :func:`check_options` (input errors before any work) -> :func:`load_inputs` (scores,
tables, the skill graph) -> :func:`render` (tables, figures and the page, in memory) ->
:func:`write_report` (everything into a temporary folder beside the target, then moved
into place, the HTML last), so a failure leaves no half-written report.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from exposure import __version__
from exposure.errors import ExposureError, InputError
from exposure.io import UMASK
from exposure.manifest import write_file_with_manifest, write_with_manifest
from exposure.report.context import REPORT_TAXONOMIES, make_context
from exposure.report.html import page
from exposure.report.html import render as render_template
from exposure.report.sections.identity import GRAPH_TAXONOMY
from exposure.report.weights import check_country_year

SOURCES = {"oews": "BLS OEWS May 2024 (United States)", "ilostat": "ILOSTAT, one country and year"}
# large economies with ILOSTAT ISCO-08 employment for 2018: five EU members, the UK,
# the US, and the Philippines (a destination of offshored services)
DEFAULT_COUNTRIES = ("DEU", "ESP", "FRA", "GBR", "ITA", "POL", "USA", "PHL")
HTML_NAME = "report.html"


@dataclass(frozen=True)
class Options:
    taxonomy: str = "onet"
    employment: str = "oews"
    country: str | None = None
    year: int | None = None
    threshold: float = 0.5
    countries: tuple[str, ...] = DEFAULT_COUNTRIES

    def as_dict(self) -> dict[str, Any]:
        return {"taxonomy": self.taxonomy, "employment": self.employment, "country": self.country,
                "year": self.year, "threshold": self.threshold, "countries": list(self.countries)}


def check_options(taxonomy: str = "onet", employment: str = "oews", country: str | None = None,
                  year: int | None = None, threshold: float = 0.5,
                  countries: tuple[str, ...] | list[str] = DEFAULT_COUNTRIES) -> Options:
    """Validate the options that need no data; InputError with a one-line message."""
    if taxonomy not in REPORT_TAXONOMIES:
        raise InputError(f"unknown taxonomy {taxonomy!r} for the report; use one of {', '.join(REPORT_TAXONOMIES)}")
    if employment not in SOURCES:
        raise InputError(f"unknown employment source {employment!r}; use one of {', '.join(SOURCES)}")
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InputError(f"threshold must be a number between 0 and 1 (exclusive); got {threshold!r}") from None
    if isinstance(threshold, bool) or math.isnan(t) or not 0 < t < 1:
        raise InputError(f"threshold must be between 0 and 1 (exclusive); got {threshold!r}")
    if country is not None and not isinstance(country, str):
        raise InputError(f"country must be an ISO 3166 alpha-3 code such as DEU; got {country!r}")
    if employment == "oews" and (country is not None or year is not None):
        raise InputError("country and year choose ILOSTAT employment; use employment 'ilostat' with them")
    if employment == "ilostat" and not country:
        raise InputError("employment source ilostat needs a country (ISO 3166 alpha-3 code, e.g. DEU)")
    if year is not None and (isinstance(year, bool) or not isinstance(year, numbers.Integral)):
        raise InputError(f"year must be a whole number such as 2018; got {year!r}")
    year = None if year is None else int(year)
    if isinstance(countries, str):
        countries = (countries,)
    if any(not isinstance(c, str) for c in countries):
        raise InputError("countries must be ISO 3166 alpha-3 codes such as DEU")
    cleaned = tuple(dict.fromkeys(str(c).strip().upper() for c in countries))
    return Options(taxonomy, employment, country.strip().upper() if country else None, year, t, cleaned)


@dataclass
class Inputs:
    """Everything the report reads; tests may alter a frame before :func:`render`."""

    occupation_scores: pl.DataFrame
    occupations: pl.DataFrame
    employment_us: pl.DataFrame
    crosswalk: pl.DataFrame
    ilostat: pl.DataFrame
    isco08_groups: pl.DataFrame
    cv_metrics: pl.DataFrame
    agreement: pl.DataFrame
    meta: dict[str, Any]
    releases: list[dict[str, str]]
    identity: pl.DataFrame | None = None
    skills: pl.DataFrame | None = None
    graph: Any = None
    graph_note: str = ""
    telework: pl.DataFrame | None = None  # Dingel & Neiman (2020), when that release is imported
    telework_note: str = ""
    task_weights: dict[str, float] = field(default_factory=dict)  # O*NET task type -> aggregation weight
    used_releases: tuple[str, ...] = ()  # the releases this report reads


def load_inputs(options: Options) -> Inputs:
    """Cached scores and canonical tables, the skill graph where :mod:`exposure.graph` is
    available."""
    from exposure.scoring.pipeline import scores
    from taxonomies import load
    from taxonomies.releases import releases

    s = scores()
    rel = [
        {"release": r.name, "title": r.title, "version": r.version, "published": r.published,
         "publisher": r.publisher, "licence": r.licence, "attribution": r.attribution}
        for r in releases().values()
    ]
    inputs = Inputs(
        occupation_scores=s.occupations, occupations=load("occupations"), employment_us=load("employment_us"),
        crosswalk=load("crosswalk"), ilostat=load("employment_ilostat"), isco08_groups=load("isco08_groups"),
        cv_metrics=s.cv_metrics, agreement=s.agreement, meta=s.meta, releases=rel,
    )
    _load_graph(inputs, options.taxonomy)
    _load_telework(inputs)
    tasks = load("tasks", only="onet")
    inputs.task_weights = {
        (k or "unrated"): float(v) for k, v in tasks.group_by("task_type").agg(pl.col("weight").max())
        .sort("weight", "task_type", descending=[True, False], nulls_last=True).iter_rows()
    }
    from exposure.scoring.pipeline import RELEASES

    uses_ilostat = options.employment == "ilostat" or bool(options.countries)
    inputs.used_releases = tuple(RELEASES) + (("ilostat",) if uses_ilostat else ()) + (
        ("dingel_neiman",) if inputs.telework is not None else ())
    return inputs


def _load_telework(inputs: Inputs) -> None:
    """Dingel & Neiman (2020), a published measure to compare with; the report says so
    when the release has not been imported."""
    from taxonomies import load

    try:
        inputs.telework = load("telework")
    except ExposureError as exc:
        inputs.telework, inputs.telework_note = None, f"The Dingel & Neiman (2020) comparison is not available: {exc}"



def _load_graph(inputs: Inputs, taxonomy: str) -> None:
    from exposure import graph as g

    which = GRAPH_TAXONOMY[taxonomy]
    try:
        inputs.identity = g.identity_table(which)
        inputs.skills = g.skill_table(which)
        inputs.graph = g.build_graph(which)
    except ExposureError as exc:
        inputs.identity = inputs.skills = inputs.graph = None
        inputs.graph_note = f"The skill graph is not available for {which}: {exc}"


@dataclass
class Rendered:
    html: str
    tables: dict[str, pl.DataFrame]  # file name -> table
    facts: dict[str, Any]
    quoted: dict[str, Any] = field(default_factory=dict)  # every number the text quotes, by section


# --- the report ----------------------------------------------------------------------------


def _round(df: pl.DataFrame) -> pl.DataFrame:
    """Floats rounded to 4 decimals, NaN (an empty group's mean) as null."""
    rounded = pl.col(pl.Float64).fill_nan(None).round(4)
    return df.with_columns(pl.when(rounded == 0).then(0.0).otherwise(rounded).name.keep())  # no "-0.0"


def render(inputs: Inputs, options: Options) -> Rendered:
    """Every table, figure and the HTML page, in memory: the sections of
    :mod:`exposure.report.sections` in order, then the page around them."""
    from exposure.report import sections

    ctx = make_context(inputs, options)
    blocks = sections.run(ctx)
    w, df = ctx.weights, ctx.df
    lede = render_template(
        "lede.html", scope=f"{REPORT_TAXONOMIES[options.taxonomy]}, employment from {w.label}", threshold=options.threshold,
        occupations=df.height, workers=df["employment"].sum())
    footer = render_template(
        "footer.html", codebook=inputs.meta.get("codebook_sha256", ""),
        model=inputs.meta.get("model", {}).get("model_id", ""), version=__version__,
        date=ctx.facts.get("citation", {}).get("date"))
    title = f"Offshoring exposure report: {REPORT_TAXONOMIES[options.taxonomy]}, {w.label}"
    html = page(title, str(lede), blocks, str(footer))
    tables = {name: _round(frame) for name, frame in sorted(ctx.tables.items())}
    facts = {"employment_source": w.label, "country": w.country, "year": w.year, "survey": w.survey,
             "build_date": ctx.facts.get("citation", {}).get("date")}
    return Rendered(html, tables, facts, dict(ctx.facts))


# --- writing -------------------------------------------------------------------------------


def write_report(folder: Path, rendered: Rendered, releases: list[str], manifest: dict[str, Any]) -> Path:
    """Write the CSVs (with manifests) and the page into a temporary folder beside
    ``folder``, then move them into ``folder``, the HTML last. On failure nothing of the
    new report is left behind."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write the report to {folder}: it is not a folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc}") from None
    try:
        names = []
        for name, frame in rendered.tables.items():
            write_with_manifest(frame, staging / name, releases=releases, **manifest)
            names += [name, f"{name}.manifest.json"]
        html = rendered.html.encode("utf-8")
        write_file_with_manifest(staging / HTML_NAME, lambda tmp: tmp.write_bytes(html), releases=releases,
                                 **manifest, files=sorted(rendered.tables))
        names += [f"{HTML_NAME}.manifest.json", HTML_NAME]
        if not folder.exists():
            os.chmod(staging, 0o777 & ~UMASK)  # mkdtemp makes it private; a report folder is not
            os.rename(staging, folder)
        else:
            old = folder / f"{HTML_NAME}.manifest.json"
            stale = _previous_files(old) - set(names)
            for name in names:
                os.replace(staging / name, folder / name)
            for name in sorted(stale):
                (folder / name).unlink(missing_ok=True)
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder / HTML_NAME


def _previous_files(manifest: Path) -> set[str]:
    """The CSVs (and their manifests) a previous report in the folder wrote."""
    import json

    try:
        files = json.loads(manifest.read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for f in files if isinstance(f, str) and "/" not in f for n in (f, f"{f}.manifest.json")}


def build_report(folder: Path, taxonomy: str = "onet", employment: str = "oews", country: str | None = None,
                 year: int | None = None, threshold: float = 0.5,
                 countries: tuple[str, ...] = DEFAULT_COUNTRIES) -> Path:
    """Write the policy analyst report into ``folder`` and return the HTML page's path.

    Parameters
    ----------
    folder : Path
        Output folder; created, or updated in place (files of a previous report replaced).
    taxonomy : {"onet", "isco08"}
        The occupations the report is about.
    employment : {"oews", "ilostat"}
        BLS OEWS May 2024 (United States) or ILOSTAT for ``country`` and ``year``.
    country, year : str, int, optional
        ILOSTAT country (ISO 3166 alpha-3) and year (default: its latest with ISCO-08 data).
    threshold : float
        A score above it counts as "highly" exposed; strictly between 0 and 1.
    countries : tuple of str
        ILOSTAT countries for the comparison section (empty: no comparison).

    Raises
    ------
    InputError
        Unknown taxonomy, source, country or year, or a threshold outside (0, 1).

    Examples
    --------
    >>> from exposure.report import build_report
    >>> build_report(Path("outputs/report"), employment="ilostat", country="DEU")  # doctest: +SKIP
    PosixPath('outputs/report/report.html')
    """
    options = check_options(taxonomy, employment, country, year, threshold, countries)
    if Path(folder).exists() and not Path(folder).is_dir():
        raise InputError(f"cannot write the report to {folder}: it is not a folder")
    return _build(Path(folder), load_inputs(options), options)


def resolve_years(options: Options, ilostat: pl.DataFrame) -> Options:
    """Check the ILOSTAT country and comparison countries against the data and fix the
    year (the country's latest with ISCO-08 data when none is given)."""
    for c in options.countries:
        check_country_year(ilostat, c, None)
    if options.employment == "ilostat":
        return replace(options, year=check_country_year(ilostat, options.country, options.year))
    return options


def _build(folder: Path, inputs: Inputs, options: Options) -> Path:
    """Check the options against the data, render from ``inputs`` and write."""
    options = resolve_years(options, inputs.ilostat)
    from exposure.scoring.pipeline import RELEASES

    rendered = render(inputs, options)
    releases = list(inputs.used_releases) or list(RELEASES)
    manifest = {**inputs.meta, "report": {**options.as_dict(), **rendered.facts, "quoted": rendered.quoted}}
    return write_report(folder, rendered, releases, manifest)
