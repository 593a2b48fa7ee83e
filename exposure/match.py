"""Resolving what users type: occupation codes of any taxonomy, ESCO URIs, free-text titles.

:func:`resolve` turns each input into a match: the taxonomy and code it resolved to, the
official title, a confidence in [0, 1], how it was matched, the runner-up, and a status:

- ``matched``: a code that exists, an exact title match, or a title whose embedding is
  close to one occupation (similarity >= ``MATCH_AT``) and clearly closer than to any
  other (margin >= ``MARGIN``);
- ``ambiguous``: close to several occupations, or an exact title shared by several codes;
  the best and the runner-up are reported, nothing is chosen silently;
- ``unmatched``: a code that does not exist, or no title close enough (< ``MATCH_AT``).

Codes are recognised by their shape, after Unicode normalisation (:func:`fold`: NFKC,
dashes, zero-width characters): O*NET-SOC ``15-1252.00``; SOC ``15-1252`` (read as SOC 2018,
else SOC 2010 through the BLS crosswalk, and resolved to its O*NET-SOC occupation); ISCO-08
``2512`` (also as spreadsheets mangle it: ``110`` for ``0110``, ``2512.0``); ESCO codes
``2512.1`` and URIs. Titles are matched within one taxonomy (``taxonomy``) against its
official, alternate and reported titles and the titles of the other taxonomies that reach
it through the crosswalks (:func:`_bridged`; ESCO's English labels bring UK and EU titles to
O*NET): first exactly (case, accents, punctuation, spacing and plural "s" ignored; then
without advert words and with abbreviations written out, :func:`clean`), then by embedding
similarity. Several occupations sharing a title are told apart by the query's closeness to
their official titles and title families, or the row is ambiguous with its candidates. A
one-word query matches an alternate title exactly only if the occupation's official title
contains the word, and by similarity only at ``MATCH_AT_ONE_WORD``: single words such as
"owner" or "sales" are alternate titles of unrelated occupations. How well this works is
measured by :mod:`exposure.match_eval` (docs/matching.md).

Unmatched rows keep the closest candidate in the runner-up columns; their ``matched_*``
columns stay empty.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from exposure.embed import embed
from exposure.errors import InputError
from taxonomies import crosswalks, load

MATCH_AT = 0.80  # cosine similarity for a title match
MATCH_AT_ONE_WORD = 0.87  # one-word queries ("sales", "owner") say little: a closer match is needed
MARGIN = 0.02  # lead over the runner-up occupation
OFFICIAL_MARGIN = 0.10  # lead needed to pick one of several occupations sharing an exact title
ALTERNATE_AT = 0.40  # an alternate title of one occupation needs this similarity to its official title
RESIDUAL_PENALTY = 0.03  # an "All Other" / "Not Elsewhere Classified" group yields to a named occupation
RESIDUAL = re.compile(r"(, all other|not elsewhere classified)$", re.IGNORECASE)
BRIDGED_PENALTY = 0.01  # a label reached through a crosswalk counts slightly less than a native one
N_CANDIDATES = 5
FAMILY = 5  # an occupation's closest own titles that speak for it when several share a title
TAXONOMIES = ("onet", "isco08", "esco")
ABBREVIATIONS = Path(__file__).parent / "matching" / "abbreviations.csv"
# words and phrases of job adverts that say nothing about the occupation
NOISE_PHRASES = ("work from home", "working from home", "part time", "full time", "entry level")
NOISE_WORDS = frozenset(
    "senior junior lead principal trainee graduate intern experienced "
    "nights night shift shifts days weekend weekends overnight evening evenings early mornings am pm "
    "1st 2nd 3rd remote hybrid wfh seasonal temporary temp contract permanent fixed term "
    "m f d w x h".split()
)
# kinds of index entries, strongest first: the taxonomy's own official title, its own alternate
# titles, then the labels of another taxonomy reached through a crosswalk
OFFICIAL, ALTERNATE, BRIDGED_OFFICIAL, BRIDGED_ALTERNATE = range(4)

_ONET = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_SOC = re.compile(r"^\d{2}-\d{4}$")
_ISCO = re.compile(r"^\d{4}$")
_ISCO_MANGLED = re.compile(r"^(\d{3}|\d{4}\.0+)$")  # leading zero lost, or read as a number
_ESCO_CODE = re.compile(r"^\d{4}(\.\d+)+$")
_ESCO_URI = re.compile(r"^https?://data\.europa\.eu/esco/occupation/[0-9a-f-]+$")

MATCH_SCHEMA = {
    "match_status": pl.String,
    "match_method": pl.String,
    "matched_taxonomy": pl.String,
    "matched_code": pl.String,
    "matched_title": pl.String,
    "match_confidence": pl.Float64,
    "runner_up_code": pl.String,
    "runner_up_title": pl.String,
    "match_candidates": pl.String,
}


@dataclass(frozen=True)
class Match:
    status: str
    method: str
    taxonomy: str | None = None
    code: str | None = None
    title: str | None = None
    confidence: float = 0.0
    runner_up_code: str | None = None
    runner_up_title: str | None = None
    # the closest occupations with their similarity, best first (code, title, score)
    candidates: tuple[tuple[str, str, float], ...] = field(default=())

    def candidate_text(self) -> str | None:
        if self.status != "ambiguous" or not self.candidates:
            return None
        return "; ".join(f"{c} {t} ({s:.2f})" for c, t, s in self.candidates)

    def row(self) -> tuple:
        if self.status == "unmatched" and self.code:  # the closest candidate, not a match
            return (self.status, self.method, None, None, None, round(self.confidence, 4), self.code, self.title,
                    None)
        return (self.status, self.method, self.taxonomy, self.code, self.title,
                round(self.confidence, 4), self.runner_up_code, self.runner_up_title, self.candidate_text())


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")


def fold(text: str) -> str:
    """Unicode-normalised text (NFKC: full-width digits become ASCII), without invisible
    format characters (zero-width spaces, BOMs) and with every dash as "-"."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def strip_accents(text: str) -> str:
    """ "Bäcker" -> "Backer", as the embedding model's tokenizer sees it."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: "Clerk, Accounts-Payable" ->
    "clerk accounts payable"; "Röofer" -> "roofer"."""
    return " ".join(re.sub(r"[^\w]+", " ", strip_accents(fold(text)).lower()).split())


def singular(norm: str) -> str:
    """A normalised title with each word's plural "s" dropped, to compare a job title with
    an official group title: "roofers" -> "roofer", "software developers" -> "software developer".

    >>> singular("software developers")
    'software developer'
    """
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in norm.split())


@cache
def _abbreviations() -> tuple[re.Pattern, dict[str, str]]:
    with open(ABBREVIATIONS, encoding="utf-8") as f:
        table = {r["abbreviation"]: r["expansion"] for r in csv.DictReader(f)}
    words = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w&])(" + "|".join(re.escape(w) for w in words) + r")(?![\w&])")
    return pattern, table


def clean(text: str) -> str:
    """A normalised title without the words of the advert around the job (seniority, shift,
    remote work, "(m/f/d)") and with common abbreviations written out ("Sr. HGV Driver -
    nights" -> "heavy goods vehicle driver"). Empty if nothing but such words is left."""
    low = strip_accents(fold(text)).lower()
    pattern, table = _abbreviations()
    low = pattern.sub(lambda m: table[m.group(1)], low)
    norm = " " + " ".join(re.sub(r"[^\w]+", " ", low).split()) + " "
    for phrase in NOISE_PHRASES:
        norm = norm.replace(f" {phrase} ", " ")
    return " ".join(w for w in norm.split() if w not in NOISE_WORDS)


@cache
def _titles(taxonomy: str) -> dict[str, str]:
    occ = load("occupations", only=taxonomy)
    return dict(occ.select("occupation_code", "title").iter_rows())


@cache
def _uris() -> dict[str, str]:
    occ = load("occupations", only="esco")
    return dict(occ.select("uri", "occupation_code").iter_rows())


@cache
def _soc_to_onet() -> dict[str, list[str]]:
    """SOC 2018 code -> O*NET-SOC codes, and SOC 2010 codes not in SOC 2018 through the
    BLS crosswalk."""
    cw = load("crosswalk", only="soc")
    onet = cw.filter(pl.col("method") == crosswalks.ONET_TO_SOC2018)
    by_2018: dict[str, list[str]] = {}
    for o, s in onet.select("from_code", "to_code").sort("from_code").iter_rows():
        by_2018.setdefault(s, []).append(o)
    out = dict(by_2018)
    back = cw.filter(pl.col("method") == crosswalks.SOC2018_TO_SOC2010)
    for s18, s10 in back.select("from_code", "to_code").sort("from_code").iter_rows():
        if s10 not in by_2018:
            out.setdefault(s10, [])
            out[s10] = sorted(set(out[s10]) | set(by_2018.get(s18, [])))
    return out


def _code(text: str) -> Match | None:
    """A match for a code-shaped input, or None if it is not shaped like a code."""
    t = "".join(fold(text).split())
    if _ISCO_MANGLED.match(t):
        t = t.split(".")[0].zfill(4)
    if _ONET.match(t):
        titles = _titles("onet")
        if t in titles:
            return Match("matched", "O*NET-SOC code", "onet", t, titles[t], 1.0)
        return Match("unmatched", "O*NET-SOC code not in O*NET 29.2")
    if _SOC.match(t):
        codes = _soc_to_onet().get(t, [])
        if not codes:
            return Match("unmatched", "SOC code not in SOC 2018 or 2010")
        titles = _titles("onet")
        best = f"{t}.00" if f"{t}.00" in codes else codes[0]
        others = [c for c in codes if c != best]
        if len(codes) > 1 and not best.endswith(".00"):
            return Match("ambiguous", "SOC code -> several O*NET-SOC", "onet", best, titles[best], 0.5,
                         others[0], titles[others[0]])
        return Match("matched", "SOC code -> O*NET-SOC", "onet", best, titles[best], 1.0,
                     others[0] if others else None, titles[others[0]] if others else None)
    if _ISCO.match(t):
        titles = _titles("isco08")
        if t in titles:
            return Match("matched", "ISCO-08 code", "isco08", t, titles[t], 1.0)
        return Match("unmatched", "not an ISCO-08 unit group")
    if _ESCO_CODE.match(t):
        titles = _titles("esco")
        if t in titles:
            return Match("matched", "ESCO code", "esco", t, titles[t], 1.0)
        return Match("unmatched", "ESCO code not in ESCO 1.2.0")
    if _ESCO_URI.match(t):
        code = _uris().get(t.replace("https://", "http://"))
        if code:
            return Match("matched", "ESCO URI", "esco", code, _titles("esco")[code], 1.0)
        return Match("unmatched", "ESCO URI not in ESCO 1.2.0")
    return None


def _bridged(taxonomy: str) -> pl.DataFrame:
    """Titles of the other taxonomies that reach ``taxonomy`` through a crosswalk, as
    (occupation_code, variant, kind): ESCO's English labels reach O*NET (Nesta crosswalk,
    the best-weighted O*NET occupation of each ESCO occupation) and ISCO-08 (each ESCO
    occupation's unit group); O*NET official titles reach ISCO-08 and ESCO where the
    crosswalk gives them a single code. Only codes that are occupations of ``taxonomy`` are
    kept: the SOC -> ISCO-08 crosswalk sends three O*NET titles to minor groups (211, 315)."""
    cw = load("crosswalk")
    esco = load("occupations", only="esco")
    onet = load("occupations", only="onet")

    def best(method: str) -> pl.DataFrame:
        links = cw.filter(pl.col("method") == method)
        return links.filter(pl.col("weight") == pl.col("weight").max().over("from_code")).select("from_code", "to_code")

    def labels(occ: pl.DataFrame, with_alternates: bool) -> pl.DataFrame:
        parts = [occ.select(from_code="occupation_code", variant=pl.col("title"), kind=pl.lit(BRIDGED_OFFICIAL))]
        if with_alternates:
            parts.append(occ.select(from_code="occupation_code", variant=pl.col("alternate_titles"),
                                    kind=pl.lit(BRIDGED_ALTERNATE)).explode("variant"))
        return pl.concat(parts)

    def unique_target(method: str) -> pl.DataFrame:
        links = cw.filter(pl.col("method") == method)
        return links.filter(pl.len().over("from_code") == 1).select("from_code", "to_code")

    if taxonomy == "onet":
        parts = [labels(esco, True).join(best(crosswalks.ESCO_TO_ONET), on="from_code")]
    elif taxonomy == "isco08":
        parts = [labels(esco, True).join(best(crosswalks.ESCO_TO_ISCO), on="from_code"),
                 labels(onet, False).join(unique_target(crosswalks.ONET_TO_ISCO), on="from_code")]
    else:
        parts = [labels(onet, False).join(unique_target(crosswalks.ONET_TO_ESCO), on="from_code")]
    codes = load("occupations", only=taxonomy)["occupation_code"]
    return pl.concat(parts).filter(pl.col("to_code").is_in(codes.implode())).select(
        occupation_code="to_code", variant="variant", kind=pl.col("kind").cast(pl.Int8))


class TitleIndex:
    """Official, alternate and reported titles of one taxonomy, and the titles of the other
    taxonomies that reach it through the crosswalks, for exact and embedding matching.
    A title shared by several occupations is kept for each of them. Embeddings of the
    titles are cached on disk after the first use."""

    def __init__(self, taxonomy: str):
        if taxonomy not in TAXONOMIES:
            raise InputError(f"The 'taxonomy' parameter must be one of {set(TAXONOMIES)}. Got {taxonomy!r} instead.")
        occ = load("occupations", only=taxonomy)
        native = pl.concat([
            occ.select("occupation_code", variant=pl.col("title"), kind=pl.lit(OFFICIAL, pl.Int8)),
            occ.select("occupation_code", variant=pl.col("alternate_titles"),
                       kind=pl.lit(ALTERNATE, pl.Int8)).explode("variant"),
        ])
        variants = (
            pl.concat([native, _bridged(taxonomy)])
            .drop_nulls()
            .with_columns(norm=pl.col("variant").map_elements(lambda v: singular(normalise(v)),
                                                              return_dtype=pl.String))
            .filter(pl.col("norm") != "")
            .sort("kind", "occupation_code", "variant")
            .unique(["occupation_code", "norm"], keep="first")  # each code once per title, at its strongest kind
            .sort("norm", "kind", "occupation_code")
        )
        self.taxonomy = taxonomy
        self.titles = _titles(taxonomy)
        self.official_norms = {c: singular(normalise(t)) for c, t in self.titles.items()}
        self.residual = frozenset(c for c, t in self.titles.items() if RESIDUAL.search(t.strip()))
        grouped = variants.group_by("norm", maintain_order=True).agg(
            pl.col("variant").first(), pl.col("occupation_code"), pl.col("kind"))
        self.exact_map: dict[str, list[tuple[str, int]]] = {
            n: list(zip(codes, kinds))
            for n, codes, kinds in grouped.select("norm", "occupation_code", "kind").iter_rows()
        }
        # one embedding per distinct title, each pointing to every occupation that has it
        self.variants = grouped.select("norm", "variant")
        self._norms = grouped["norm"].to_list()  # row i of the vectors is this title
        self._entries = [self.exact_map[n] for n in self._norms]
        self.vocabulary = frozenset(w for n in self.exact_map for w in n.split())
        self._vectors: np.ndarray | None = None
        self._official_vectors: dict[str, np.ndarray] | None = None
        self._rows_of: dict[str, np.ndarray] | None = None
        self.reported: frozenset[tuple[str, str]] = frozenset()
        if taxonomy == "onet":  # titles incumbents reported for their own occupation
            from taxonomies.onet import reported_titles

            self.reported = frozenset((c, singular(normalise(t))) for c, t in reported_titles().iter_rows())

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = embed(self.variants["variant"].to_list())
        return self._vectors

    def official_vectors(self) -> dict[str, np.ndarray]:
        if self._official_vectors is None:
            codes = sorted(self.titles)
            self._official_vectors = dict(zip(codes, embed([self.titles[c] for c in codes])))
        return self._official_vectors

    def _family_rows(self) -> dict[str, np.ndarray]:
        """The index rows of each occupation's own titles (for ISCO-08, which lists few titles
        of its own, the crosswalked ones too)."""
        if self._rows_of is None:
            rows: dict[str, list[int]] = {}
            for i, entries in enumerate(self._entries):
                for c, kind in entries:
                    if kind <= ALTERNATE or self.taxonomy == "isco08":
                        rows.setdefault(c, []).append(i)
            self._rows_of = {c: np.array(v) for c, v in rows.items()}
        return self._rows_of

    def _title_family(self, code: str, q: np.ndarray | None = None, sim_row: np.ndarray | None = None) -> float:
        """How close the query is to the occupation's own titles as a family: the mean
        similarity to its closest ``FAMILY`` titles. ``sim_row`` is the query's similarity to
        every indexed title, when already computed; else ``q`` is the query's embedding."""
        idx = self._family_rows().get(code)
        if idx is None:
            return 0.0
        sims = sim_row[idx] if sim_row is not None else self.vectors[idx] @ q
        k = min(FAMILY, len(sims))
        return float(np.partition(sims, len(sims) - k)[len(sims) - k:].mean())

    def _residual(self, code: str) -> float:
        """The penalty of a residual group ("Computer Occupations, All Other"): it collects
        what has no occupation of its own, so a named occupation as close as it wins."""
        return RESIDUAL_PENALTY if code in self.residual else 0.0

    def spell(self, norm: str) -> str:
        """Words not in any indexed title replaced by the closest one (typos: "recepionist")."""
        return " ".join(_closest_word(w, self.vocabulary) for w in norm.split())

    def _pick(self, text: str, codes: list[str], method: str, query_vector: np.ndarray | None = None,
              reported: str | None = None) -> Match:
        """One of several occupations that share a title: the one whose official title and
        title family are clearly closest to the query; else the only one whose incumbents
        reported the title (``reported``), unless another is clearly closer; else ambiguous."""
        q = query_vector if query_vector is not None else embed([text])[0]
        vecs = self.official_vectors()
        sims = sorted(((0.5 * float(vecs[c] @ q) + 0.5 * self._title_family(c, q) - self._residual(c), c)
                       for c in codes), key=lambda x: (-x[0], x[1]))
        cands = tuple((c, self.titles[c], round(s, 4)) for s, c in sims[:N_CANDIDATES])
        (s1, c1), (s2, c2) = sims[0], sims[1]
        status = "matched" if s1 - s2 >= OFFICIAL_MARGIN else "ambiguous"
        how = f"{method}, closest official title" if status == "matched" else f"{method} of several occupations"
        if status == "ambiguous" and reported is not None:
            score = next(x for x, c in sims if c == reported)
            if s1 - score < OFFICIAL_MARGIN:  # no other is clearly closer
                status, how = "matched", f"{method}, reported by the incumbents of one occupation"
                s2, c2 = (s1, c1) if c1 != reported else (s2, c2)
                s1, c1 = score, reported
        return Match(status, how, self.taxonomy, c1, self.titles[c1], 1.0 if status == "matched" else round(s1, 4),
                     c2, self.titles[c2], cands)

    def exact_norm(self, text: str) -> str | None:
        """The form of ``text`` found among the indexed titles, if any."""
        for norm in dict.fromkeys((singular(normalise(text)), singular(clean(text)))):
            if norm and norm in self.exact_map:
                return norm
        return None

    def shared(self, norm: str) -> bool:
        """Whether a match on this title needs the query's embedding (several occupations
        have it, or it is no official title)."""
        entries = self.exact_map[norm]
        return len({c for c, _ in entries}) > 1 or entries[0][1] != OFFICIAL

    def match_exact(self, text: str, query_vector: np.ndarray | None = None, norm: str | None = None) -> Match | None:
        """An exact (normalised) title match, tried on the title as typed and then cleaned of
        advert words and abbreviations. An occupation whose official title it is wins;
        several occupations sharing it as an alternate title, or as a label reached through
        a crosswalk, are told apart by how close the query is to their official titles; an
        O*NET-SOC group (``29-1141.00`` and its specialisations) gives its ``.00``."""
        norm = norm or self.exact_norm(text)
        return None if norm is None else self._exact(text, norm, query_vector)

    def _exact(self, text: str, norm: str, query_vector: np.ndarray | None = None) -> Match | None:
        entries = self.exact_map[norm]
        official = [c for c, k in entries if k == OFFICIAL or self.official_norms[c] == norm]
        codes = list(dict.fromkeys(c for c, _ in entries))
        if " " not in norm and not official:
            # a bare word counts only for occupations whose official title (or a crosswalked
            # official title) is it or contains it ("plumber" -> "Plumbers, Pipefitters, and
            # Steamfitters"; not "owner" -> "Urologists")
            # Steamfitters"; not "owner" -> "Urologists"). ESCO's titles are fine-grained: a bare
            # word that several of them contain ("cleaner": "amusement park cleaner", "window
            # cleaner", ...) makes each a candidate
            named = [c for c, t in self.official_norms.items() if norm in t.split()] if self.taxonomy == "esco" else []
            codes = named if len(named) > 1 else list(dict.fromkeys(
                c for c, k in entries if k == BRIDGED_OFFICIAL or norm in self.official_norms[c].split()))
            if not codes:
                return None
        if len(official) != 1 and len(codes) == 1 and query_vector is not None:
            # an alternate title of one occupation only: trusted if the official title agrees
            if float(self.official_vectors()[codes[0]] @ query_vector) < ALTERNATE_AT:
                return None
        if len(official) == 1 or len(codes) == 1:
            best = official[0] if len(official) == 1 else codes[0]
            rest = [c for c in codes if c != best]
            return Match("matched", "exact title", self.taxonomy, best, self.titles[best], 1.0,
                         rest[0] if rest else None, self.titles[rest[0]] if rest else None)
        pool = official or codes
        groups = {c.split(".")[0] for c in pool}
        if self.taxonomy == "onet" and len(groups) == 1 and f"{next(iter(groups))}.00" in pool:
            best = next(c for c in pool if c.endswith(".00"))
            rest = [c for c in codes if c != best]
            return Match("matched", "exact title, broadest of its O*NET-SOC group", self.taxonomy, best,
                         self.titles[best], 1.0, rest[0], self.titles[rest[0]])
        reported = [c for c in pool if (c, norm) in self.reported]
        return self._pick(text, pool, "exact title", query_vector, reported[0] if len(reported) == 1 else None)

    def match_similar(self, texts: list[str]) -> list[Match]:
        """Embedding matches of the cleaned titles: each occupation scores its closest indexed
        title (crosswalked labels slightly less); best and runner-up occupation."""
        if not texts:
            return []
        import torch

        queries = [self.spell(clean(t)) or normalise(t) for t in texts]
        q = torch.from_numpy(embed(queries))
        index = torch.from_numpy(self.vectors)
        norms = self._norms
        out = []
        for start in range(0, len(q), 256):  # the 64 closest titles of each query, a block at a time
            block = q[start : start + 256] @ index.T
            values, idx = torch.topk(block, min(64, index.shape[0]), dim=1)
            rows = block.numpy()
            for j, (sims, ids) in enumerate(zip(values.numpy(), idx.numpy())):
                out.append(self._rank(queries[start + j], sims, ids, rows[j], norms))
        return out

    def _rank(self, query: str, sims: np.ndarray, idx: np.ndarray, sim_row: np.ndarray, norms: list[str]) -> Match:
        """One query's match from its closest indexed titles."""
        one_word = len(query.split()) == 1
        best: dict[str, float] = {}
        for sim, i in zip(sims.tolist(), idx.tolist()):
            if one_word and norms[i] == singular(query):
                continue  # the bare word as an alternate title of some occupation proves nothing
            for code, kind in self._entries[i]:
                score = sim - (BRIDGED_PENALTY if kind >= BRIDGED_OFFICIAL else 0.0)
                if score > best.get(code, -1.0):
                    best[code] = score
        if not best:
            return Match("unmatched", "title similarity")
        top = sorted(best.items(), key=lambda x: (-x[1], x[0]))[:N_CANDIDATES]
        closest = top[0][1]
        # the closest few re-ranked: an occupation is close when its titles are, not just one odd one
        ranked = sorted(((c, 0.5 * s + 0.5 * self._title_family(c, sim_row=sim_row) - self._residual(c))
                         for c, s in top), key=lambda x: (-x[1], x[0]))
        (code, sim) = ranked[0]
        r_code, r_sim = ranked[1] if len(ranked) > 1 else (None, 0.0)
        if closest < (MATCH_AT_ONE_WORD if one_word else MATCH_AT):
            status = "unmatched"
        elif sim - r_sim < MARGIN:
            status = "ambiguous"
        else:
            status = "matched"
        cands = tuple((c, self.titles[c], round(s, 4)) for c, s in ranked)
        return Match(status, "title similarity", self.taxonomy, code, self.titles[code], sim,
                     r_code, self.titles.get(r_code) if r_code else None, cands)


@cache
def _closest_word(word: str, vocabulary: frozenset[str]) -> str:
    if word in vocabulary or len(word) < 5 or not word.isalpha():
        return word
    near = difflib.get_close_matches(word, _by_initial(vocabulary).get(word[0], ()), n=1, cutoff=0.85)
    return near[0] if near else word


@cache
def _by_initial(vocabulary: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in sorted(vocabulary):
        out.setdefault(w[0], []).append(w)
    return out


@cache
def title_index(taxonomy: str) -> TitleIndex:
    return TitleIndex(taxonomy)


def resolve(inputs: list[str], taxonomy: str = "onet", picks: dict[str, str] | None = None) -> pl.DataFrame:
    """One match row per input (same order), with the columns of ``MATCH_SCHEMA``.
    ``picks`` maps an input to the code a person chose for it (a review file)."""
    index = title_index(taxonomy)
    unique = list(dict.fromkeys(s.strip() for s in inputs))
    found: dict[str, Match] = {}
    for text, code in (picks or {}).items():
        if text not in unique:
            continue
        m = _code(code)
        if m is None or m.status != "matched":
            raise InputError(f"the code {code!r} picked for {text!r} is not an occupation code"
                             + (f" ({m.method})" if m else ""))
        found[text] = Match("matched", "picked in the review file", m.taxonomy, m.code, m.title, 1.0)
    unique = [t for t in unique if t not in found]
    todo = []
    codes = {text: _code(text) for text in unique if text}
    norms = {text: index.exact_norm(text) for text, m in codes.items() if m is None}
    shared = [text for text, norm in norms.items() if norm and index.shared(norm)]
    vectors = dict(zip(shared, embed(shared))) if shared else {}  # one batch for the titles to tell apart
    for text in unique:
        if not text:
            found[text] = Match("unmatched", "empty")
            continue
        m = codes[text] or (index.match_exact(text, vectors.get(text), norms[text]) if norms.get(text) else None)
        if m is None:
            todo.append(text)
        else:
            found[text] = m
    found.update(zip(todo, index.match_similar(todo)))
    rows = [found[s.strip()].row() for s in inputs]
    return pl.DataFrame(rows, schema=MATCH_SCHEMA, orient="row")
