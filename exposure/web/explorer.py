"""What the web explorer shows, as plain data: one object per server over the library.

:class:`Explorer` holds the objects that are expensive to build (the scores, each
taxonomy's title index and the embedding model, the skill-graph caches, the explore
tables) and is warmed once at start-up. Its methods call the same library functions as
the CLI and return plain data (dicts, lists, polars frames); the routes turn them into
HTML, JSON or CSV and hold no logic of their own.

- :meth:`Explorer.search`: :func:`exposure.match.resolve` per taxonomy (the matching of
  ``exposure score``), ambiguity kept as a choice, plus the titles (official, alternate,
  ESCO labels) that contain what was typed.
- :meth:`Explorer.occupation`: :func:`exposure.lookup.lookup` for one taxonomy and code.
- :meth:`Explorer.compare`: two lookups side by side and the change of each score.
- :meth:`Explorer.table`: a taxonomy's occupations with scores, employment and wages
  (:func:`exposure.report.weights.weights`) and identity dissolution
  (:func:`exposure.graph.identity_table`), filtered and sorted.
- :meth:`Explorer.report`: :func:`exposure.report.build_report`, built once per option
  set into a cache folder and then served as files.

Bad input raises :class:`~exposure.errors.InputError` (shown as 400) or
:class:`NotFound` (404); nothing here knows about HTTP.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from exposure.errors import InputError
from exposure.lookup import LookupResult
from exposure.report.context import REPORT_TAXONOMIES  # noqa: F401 - the taxonomies with a report
from exposure.scoring.codebook import CONSTRUCTS
from exposure.scoring.pipeline import Scores

TAXONOMY_NAMES = {"onet": "O*NET 29.2", "isco08": "ISCO-08", "esco": "ESCO 1.2.0"}
MAX_QUERY = 200  # characters of a search query or code
N_SUGGESTIONS = 8  # titles containing the query, per taxonomy
PAGE_SIZE = 100  # rows of an explore table per page
MAX_PAGE_SIZE = 5000
# the order scores are shown in: the headline score first, then the others as the codebook lists them
CONSTRUCTS_ORDER = ("offshorability", *[c for c in CONSTRUCTS if c != "offshorability"])
LABELS = {  # column -> heading, for the explore and compare tables
    "occupation_code": "Code",
    "title": "Title",
    "employment": "Employment",
    "annual_wage": "Annual wage (US$)",
    "offshorability": "Offshorability",
    "offshorability_lo": "Offsh. 90% low",
    "offshorability_hi": "Offsh. 90% high",
    "routinizability": "Routinizability",
    "place_boundness": "Place-boundness",
    "person_bound": "Person-bound",
    "site_bound": "Site-bound",
    "material_bound": "Material-bound",
    "e_skill_content": "Screen work with e-skills",
    "identity_dissolution": "Identity dissolution",
    "n_tasks": "Tasks",
    "source": "Scored from",
}


_SCORE_SCHEMA = {"name": pl.String, "score": pl.Float64, "lo": pl.Float64, "hi": pl.Float64,
                 "percentile": pl.Float64, "band": pl.String}
_TASK_SCHEMA = {"group": pl.String, "task_id": pl.String, "text": pl.String, "offshorability": pl.Float64,
                "lo": pl.Float64, "hi": pl.Float64, "uncertain": pl.Boolean, "why": pl.List(pl.String),
                "nearest": pl.List(pl.String), "evidence": pl.List(pl.String), "routinizability": pl.Float64,
                "place_boundness": pl.Float64}
_MOVE_SCHEMA = {"taxonomy": pl.String, "code": pl.String, "title": pl.String, "similarity": pl.Float64,
                "skill_overlap": pl.Float64, "offshorability": pl.Float64, "percentile": pl.Float64,
                "percentile_drop": pl.Float64, "lowest_quarter": pl.Boolean, "job_zone": pl.Int64,
                "job_zone_change": pl.Int64, "median_wage": pl.Float64, "wage_change": pl.Float64,
                "shared_skills": pl.List(pl.String), "skills_to_learn": pl.List(pl.String)}


class NotFound(InputError):
    """No occupation (or report file) at that address."""


def check_text(text: str, what: str = "query") -> str:
    """A query or code as typed, stripped; InputError if it is over-long or not text."""
    text = text.strip()
    if len(text) > MAX_QUERY:
        raise InputError(f"the {what} is longer than {MAX_QUERY} characters; give a title or a code")
    # U+FFFD is what bytes that are not UTF-8 become when the request is decoded
    if any(not ch.isprintable() for ch in text) or "\ufffd" in text:
        raise InputError(f"the {what} is not printable text; give an occupation title or code")
    return text


def check_taxonomy(taxonomy: str) -> str:
    if taxonomy not in TAXONOMY_NAMES:
        raise NotFound(f"there is no taxonomy {taxonomy!r}; use one of {', '.join(TAXONOMY_NAMES)}")
    return taxonomy


def occupation_url(taxonomy: str, code: str) -> str:
    return f"/occupation/{taxonomy}/{code}"


def ref(taxonomy: str, code: str) -> str:
    """An occupation as one parameter, ``taxonomy:code`` (the compare page's ``a`` and ``b``)."""
    return f"{taxonomy}:{code}"


def is_ref(value: str) -> bool:
    """Whether ``value`` names an occupation as ``taxonomy:code`` (else it is a title or code to search)."""
    taxonomy, sep, code = value.partition(":")
    return bool(sep and code) and taxonomy in TAXONOMY_NAMES


def parse_ref(value: str) -> tuple[str, str]:
    value = check_text(value, "occupation")
    taxonomy, sep, code = value.partition(":")
    if not sep or not code:
        raise InputError(f"give an occupation as taxonomy:code, e.g. onet:43-9021.00; got {value!r}")
    return check_taxonomy(taxonomy), code


@dataclass
class Explorer:
    """The server's state: cached scores and warm library caches, and the folder that the
    analyst reports are built into.

    >>> from exposure.scoring.pipeline import scores
    >>> explorer = Explorer(scores()).warm()  # doctest: +SKIP
    >>> explorer.search("data entry keyer")["results"][0]["choices"][0]["code"]  # doctest: +SKIP
    '43-9021.00'
    """

    scores: Scores
    reports_root: Path | None = None
    _embed_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _report_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tables: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.reports_root is None:
            self.reports_root = _reports_root()
        self._search = lru_cache(maxsize=2048)(self._search_uncached)
        self._lookup = lru_cache(maxsize=256)(self._lookup_uncached)

    # --- start-up ------------------------------------------------------------------------

    def warm(self, progress: Callable[[str], None] | None = None) -> Explorer:
        """Build or read every cache a request may need, once: the title indexes and their
        vectors, the embedding model, the skill-graph tables (one lookup per taxonomy) and
        the explore tables."""
        from exposure.embed import load_model
        from exposure.match import title_index

        say = progress or (lambda _: None)
        for taxonomy in TAXONOMY_NAMES:
            say(f"title index ({TAXONOMY_NAMES[taxonomy]})")
            _ = title_index(taxonomy).vectors
            _title_entries(taxonomy)
        say("embedding model")
        load_model()
        self.search("data entry clerk")
        for taxonomy in TAXONOMY_NAMES:
            say(f"occupation pages and table ({TAXONOMY_NAMES[taxonomy]})")
            first = self.scores.occupations.filter(pl.col("taxonomy") == taxonomy)["occupation_code"].min()
            self.occupation(taxonomy, first)
            self.table(taxonomy)
        return self

    # --- search --------------------------------------------------------------------------

    def search(self, query: str, taxonomy: str | None = None) -> dict[str, Any]:
        """The best match in each taxonomy (or the one given) with the matching logic of
        ``exposure score``, and the titles that contain the query.

        Each result has ``taxonomy``, ``status`` (matched, ambiguous, unmatched), ``method``,
        ``confidence`` and ``choices`` (code, title, url, role): an ambiguous query lists
        both candidates as choices, an unmatched one its closest occupation. Each
        suggestion has taxonomy, code, title (official), label (the title that contained
        the query) and url.
        """
        query = check_text(query)
        if taxonomy:
            check_taxonomy(taxonomy)
        if not query:
            return {"query": "", "taxonomy": taxonomy, "results": [], "suggestions": []}
        return self._search(query, taxonomy)

    def _search_uncached(self, query: str, taxonomy: str | None) -> dict[str, Any]:
        from exposure.embed import unsaved
        from exposure.match import resolve

        chosen = [taxonomy] if taxonomy else list(TAXONOMY_NAMES)
        results = []
        for tax in chosen:
            with self._embed_lock, unsaved():  # the tokenizer is not thread-safe
                row = resolve([query], tax).row(0, named=True)
            results.append(_result(tax, row))
        return {"query": query, "taxonomy": taxonomy, "results": results,
                "suggestions": [s for tax in chosen for s in _suggest(query, tax)]}

    # --- one occupation ------------------------------------------------------------------

    def occupation(self, taxonomy: str, code: str) -> LookupResult:
        """The lookup (:func:`exposure.lookup.lookup`, a :class:`~exposure.lookup.LookupResult`)
        of the occupation with ``code`` in ``taxonomy``. A code in another shape that names
        the same occupation (ISCO-08 ``110`` for ``0110``, SOC ``43-9021``) gives its page:
        compare ``page.occupation["code"]`` with the code asked for. NotFound otherwise."""
        check_taxonomy(taxonomy)
        code = check_text(code, "code")
        if not code:
            raise NotFound("give an occupation code")
        return self._lookup(taxonomy, code)

    def _lookup_uncached(self, taxonomy: str, code: str) -> LookupResult:
        from exposure.lookup import lookup

        try:
            page = lookup(code, self.scores, taxonomy)
        except InputError as exc:
            raise NotFound(str(exc)) from None
        method = page.match["match_method"]
        if "code" not in method and "URI" not in method:
            raise NotFound(f"{code!r} is not an occupation code; search for it instead")
        if page.occupation["taxonomy"] != taxonomy:
            raise NotFound(f"{code!r} is not a code of {TAXONOMY_NAMES[taxonomy]}; it is a code of "
                           f"{TAXONOMY_NAMES[page.occupation['taxonomy']]}")
        return page

    def compare(self, a: str, b: str) -> dict[str, Any]:
        """Two occupations (``taxonomy:code`` each) side by side: both lookups (``a``, ``b``)
        and, per score, the value, interval, percentile and band of each and the change from
        ``a`` to ``b``."""
        pa, pb = (self.occupation(*parse_ref(x)) for x in (a, b))
        sa, sb = ({c.name: c for c in p.scores} for p in (pa, pb))
        rows = []
        for c in CONSTRUCTS_ORDER:
            x, y = sa[c], sb[c]
            rows.append({"construct": c, "a": x.score, "a_lo": x.lo, "a_hi": x.hi, "a_percentile": x.percentile,
                         "a_band": x.band, "b": y.score, "b_lo": y.lo, "b_hi": y.hi, "b_percentile": y.percentile,
                         "b_band": y.band, "change": round(y.score - x.score, 4)})
        return {"a": pa, "b": pb, "scores": rows}

    def occupation_table(self, taxonomy: str, code: str, name: str) -> pl.DataFrame:
        """One table of an occupation's page as a frame: ``scores``, ``tasks`` (the tasks
        that can move and those that stay, with their evidence) or ``safer-moves``."""
        page = self.occupation(taxonomy, code)
        if name == "scores":
            return pl.DataFrame([asdict(c) for c in page.scores], schema=_SCORE_SCHEMA)
        if name == "tasks":
            rows = [{"group": group, **asdict(t)} for group in ("most_exposed", "least_exposed")
                    for t in getattr(page.tasks, group)]
            return pl.DataFrame(rows, schema=_TASK_SCHEMA)
        if name == "safer-moves":
            return pl.DataFrame([asdict(m) for m in page.moves.moves], schema=_MOVE_SCHEMA)
        raise NotFound(f"an occupation page has no table {name!r}; use scores, tasks or safer-moves")

    # --- explore -------------------------------------------------------------------------

    def table(self, taxonomy: str, q: str = "", major: str = "", sort: str = "occupation_code",
              descending: bool = False) -> pl.DataFrame:
        """A taxonomy's occupations with their scores, employment and identity dissolution
        (where the data has them), keeping the rows whose title contains ``q`` or whose code
        starts with it and whose code starts with ``major``, sorted by ``sort``."""
        check_taxonomy(taxonomy)
        q, major = check_text(q, "filter"), check_text(major, "major group")
        if taxonomy not in self._tables:
            self._tables[taxonomy] = _explore_frame(self.scores, taxonomy)
        df = self._tables[taxonomy]
        if sort not in df.columns:
            raise InputError(f"cannot sort by {sort!r}; use one of {', '.join(df.columns)}")
        if q:
            df = df.filter(pl.col("title").str.to_lowercase().str.contains(q.lower(), literal=True)
                           | pl.col("occupation_code").str.starts_with(q))
        if major:
            df = df.filter(pl.col("occupation_code").str.starts_with(major))
        return df.sort([sort, "occupation_code"], descending=[descending, False], nulls_last=True)

    # --- reports -------------------------------------------------------------------------

    def report(self, taxonomy: str = "onet", employment: str = "oews", country: str | None = None,
               year: int | str | None = None) -> str:
        """The folder name (under :attr:`reports_root`) of the analyst report with these
        options (a year may come as text from a form; empty means none), built on first use
        and kept."""
        from exposure.report import build_report
        from exposure.report.build import check_options

        if isinstance(year, str):
            year = check_text(year, "year")
            if year and not year.isdigit():
                raise InputError(f"year must be a whole number such as 2018; got {year!r}")
            year = int(year) if year else None
        country = check_text(country or "", "country")
        if country and not re.fullmatch(r"[A-Za-z]{3}", country):
            raise InputError(f"country must be an ISO 3166 alpha-3 code such as DEU; got {country!r}")
        options = check_options(taxonomy, employment, country or None, year)
        name = "-".join(str(p).lower() for p in (options.taxonomy, options.employment, options.country,
                                                  options.year) if p is not None)
        folder = self.reports_root / name
        with self._report_lock:
            if not (folder / "report.html").is_file():
                build_report(folder, options.taxonomy, options.employment, options.country, options.year)
        return name

    def reports(self) -> list[str]:
        """The reports built so far (folder names), sorted."""
        return sorted(p.parent.name for p in self.reports_root.glob("*/report.html"))

    def report_file(self, name: str, file: str) -> Path:
        """A file of a built report; NotFound for anything else."""
        if not re.fullmatch(r"[a-z0-9-]{1,40}", name) or not re.fullmatch(r"[a-z0-9_]{1,60}\.(html|csv)", file):
            raise NotFound(f"no report file {name}/{file}")
        path = self.reports_root / name / file
        if not path.is_file():
            raise NotFound(f"no report file {name}/{file}; open the report from the reports page first")
        return path


def _reports_root() -> Path:
    """``<data>/cache/web/reports/<key>``: the key hashes the scores, the skill graphs and
    the report code, so a change to any of them builds the reports again; older folders
    are removed."""
    import exposure.report as report_package
    from exposure.config import cache_dir
    from exposure.graph.api import cache_key as graph_key
    from exposure.scoring.pipeline import score_key

    h = hashlib.sha256(score_key().encode())
    for taxonomy in ("onet", "esco"):
        h.update(graph_key(taxonomy).encode())
    for path in sorted(Path(report_package.__file__).parent.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    key = h.hexdigest()[:16]
    parent = cache_dir() / "web" / "reports"
    for stale in parent.glob("*"):
        if stale.name != key:
            shutil.rmtree(stale, ignore_errors=True)
    return parent / key


def _result(taxonomy: str, row: dict[str, Any]) -> dict[str, Any]:
    """A :func:`exposure.match.resolve` row as a list of choices."""
    status = row["match_status"]
    choices = []
    if status in ("matched", "ambiguous"):
        choices.append(("match" if status == "matched" else "candidate", row["matched_code"], row["matched_title"]))
    if row["runner_up_code"]:
        role = {"matched": "also close", "ambiguous": "candidate", "unmatched": "closest"}[status]
        choices.append((role, row["runner_up_code"], row["runner_up_title"]))
    return {
        "taxonomy": taxonomy, "status": status, "method": row["match_method"],
        "confidence": row["match_confidence"],
        "choices": [{"role": role, "code": code, "title": title, "url": occupation_url(taxonomy, code)}
                    for role, code, title in choices],
    }


def _suggest(query: str, taxonomy: str, n: int = N_SUGGESTIONS) -> list[dict[str, Any]]:
    """Titles of ``taxonomy``'s title index (official, alternate, and the labels of other
    taxonomies reached through the crosswalks) whose normalised form contains the
    normalised query: the title itself first, then titles that have it as a whole word
    ("specialist nurse" for "nurse"), then those starting with it ("nursemaid"), then those
    with a word starting with it, then the rest; the strongest kind of title first (official,
    alternate, bridged), shorter titles first; one per occupation."""
    from exposure.match import normalise

    norm = normalise(query)
    if not norm:
        return []
    titles, entries = _title_entries(taxonomy)
    hits = (
        entries.filter(pl.col("norm").str.contains(norm, literal=True))
        .with_columns(rank=pl.when(pl.col("norm") == norm).then(0)
                      .when(pl.col("norm").str.contains(rf"\b{re.escape(norm)}\b")).then(1)
                      .when(pl.col("norm").str.starts_with(norm)).then(2)
                      .when(pl.col("norm").str.contains(" " + norm, literal=True)).then(3).otherwise(4),
                      length=pl.col("norm").str.len_chars())
        .sort("rank", "kind", "length", "norm", "occupation_code")
        .unique("occupation_code", keep="first", maintain_order=True)
        .head(n)
    )
    return [{"taxonomy": taxonomy, "code": code, "title": titles[code], "label": label,
             "url": occupation_url(taxonomy, code)}
            for code, label in hits.select("occupation_code", "variant").iter_rows()]


@lru_cache(maxsize=None)
def _title_entries(taxonomy: str) -> tuple[dict[str, str], pl.DataFrame]:
    """The title index of :func:`exposure.match.title_index` as one row per title and
    occupation: norm, variant, occupation_code, kind (0 official ... 3 bridged alternate)."""
    from exposure.match import title_index

    index = title_index(taxonomy)
    rows = [(norm, variant, code, kind) for norm, variant in index.variants.iter_rows()
            for code, kind in index.exact_map[norm]]
    frame = pl.DataFrame(rows, schema={"norm": pl.String, "variant": pl.String, "occupation_code": pl.String,
                                       "kind": pl.Int8}, orient="row")
    return index.titles, frame


def _explore_frame(scores: Scores, taxonomy: str) -> pl.DataFrame:
    """One row per scored occupation: code, title, employment and annual wage (BLS OEWS May
    2024; O*NET and ISCO-08 only), the scores, identity dissolution (O*NET and ESCO only),
    the number of tasks and what the scores come from."""
    from exposure.report.weights import weights
    from taxonomies import load

    occ = scores.occupations
    df = occ.filter(pl.col("taxonomy") == taxonomy).select(
        "occupation_code", "title", *CONSTRUCTS_ORDER, "offshorability_lo", "offshorability_hi",
        "n_tasks", "source",
    )
    if taxonomy in ("onet", "isco08"):
        codes = {t: occ.filter(pl.col("taxonomy") == t)["occupation_code"].sort() for t in ("onet", "isco08")}
        w = weights(taxonomy, "oews", codes, load("employment_us"), load("crosswalk")).frame
        df = df.join(w.select("occupation_code", "employment", "annual_wage"), on="occupation_code", how="left")
    if taxonomy in ("onet", "esco"):
        from exposure.graph import identity_table

        ident = identity_table(taxonomy).select("occupation_code", "identity_dissolution")
        df = df.join(ident, on="occupation_code", how="left")
    order = [c for c in LABELS if c in df.columns]
    return df.select(order).sort("occupation_code")

