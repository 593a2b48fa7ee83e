"""Resolving what users type: occupation codes of any taxonomy, ESCO URIs, free-text titles.

:func:`resolve` turns each input into a match: the taxonomy and code it resolved to, the
official title, a confidence in [0, 1], how it was matched, the runner-up, and a status:

- ``matched``: a code that exists, an exact title match, or a title whose embedding is
  close to one occupation (similarity >= ``MATCH_AT``) and clearly closer than to any
  other (margin >= ``MARGIN``);
- ``ambiguous``: close to several occupations, or an exact title shared by several codes;
  the best and the runner-up are reported, nothing is chosen silently;
- ``unmatched``: a code that does not exist, or no title close enough (< ``MATCH_AT``).

Codes are recognised by their shape: O*NET-SOC ``15-1252.00``; SOC ``15-1252`` (read as
SOC 2018, else SOC 2010 through the BLS crosswalk, and resolved to its O*NET-SOC
occupation); ISCO-08 ``2512`` (also as spreadsheets mangle it: ``110`` for ``0110``,
``2512.0``); ESCO codes ``2512.1`` and URIs. Titles are matched within one taxonomy
(``taxonomy``): first exactly (case, punctuation, spacing and plural "s" ignored) against
official, alternate and reported titles, then by embedding similarity. A one-word query
matches an alternate title exactly only if the occupation's official title contains the
word, and by similarity only at ``MATCH_AT_ONE_WORD``: single words such as "owner" or
"sales" are alternate titles of unrelated occupations.

Unmatched rows keep the closest candidate in the runner-up columns; their ``matched_*``
columns stay empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from exposure.embed import embed
from exposure.errors import InputError
from taxonomies import crosswalks, load

MATCH_AT = 0.70  # cosine similarity for a title match
MATCH_AT_ONE_WORD = 0.87  # one-word queries ("sales", "owner") say little: a closer match is needed
MARGIN = 0.02  # lead over the runner-up occupation
TAXONOMIES = ("onet", "isco08", "esco")

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

    def row(self) -> tuple:
        if self.status == "unmatched" and self.code:  # the closest candidate, not a match
            return (self.status, self.method, None, None, None, round(self.confidence, 4), self.code, self.title)
        return (self.status, self.method, self.taxonomy, self.code, self.title,
                round(self.confidence, 4), self.runner_up_code, self.runner_up_title)


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: "Clerk, Accounts-Payable" ->
    "clerk accounts payable"."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def singular(norm: str) -> str:
    """A normalised title with each word's plural "s" dropped, to compare a job title with
    an official group title: "roofers" -> "roofer", "software developers" -> "software developer".

    >>> singular("software developers")
    'software developer'
    """
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in norm.split())


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
    t = text.strip()
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


class TitleIndex:
    """Official, alternate and reported titles of one taxonomy, for exact and embedding
    matching. Embeddings of the titles are cached on disk after the first use."""

    def __init__(self, taxonomy: str):
        if taxonomy not in TAXONOMIES:
            raise InputError(f"The 'taxonomy' parameter must be one of {set(TAXONOMIES)}. Got {taxonomy!r} instead.")
        occ = load("occupations", only=taxonomy)
        variants = (
            pl.concat([
                occ.select("occupation_code", variant=pl.col("title")),
                occ.select("occupation_code", variant=pl.col("alternate_titles")).explode("variant"),
            ])
            .drop_nulls()
            .with_columns(norm=pl.col("variant").map_elements(lambda v: singular(normalise(v)),
                                                              return_dtype=pl.String))
            .filter(pl.col("norm") != "")
            .unique(["occupation_code", "norm"])
            .sort("norm", "occupation_code")
        )
        self.taxonomy = taxonomy
        self.titles = _titles(taxonomy)
        self.exact = variants.group_by("norm").agg(pl.col("occupation_code").unique().sort())
        self.exact_map = dict(self.exact.iter_rows())
        self.variants = variants.unique("norm", keep="first").sort("norm")
        self._vectors: np.ndarray | None = None

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = embed(self.variants["variant"].to_list())
        return self._vectors

    def match_exact(self, text: str) -> Match | None:
        """An exact (normalised) title match. A title shared by several occupations is
        resolved only if one of them has it as its official title (plurals aside), or if they are one
        O*NET-SOC group (``29-1141.00`` and its specialisations: the ``.00`` is taken)."""
        norm = singular(normalise(text))
        codes = self.exact_map.get(norm)
        if not codes:
            return None
        official = [c for c in codes if singular(normalise(self.titles[c])) == norm]
        if " " not in norm and not official:
            # a bare word counts only for occupations whose official title contains it
            # ("plumber" -> "Plumbers, Pipefitters, and Steamfitters"; not "owner" -> "Urologists")
            codes = [c for c in codes if norm in singular(normalise(self.titles[c])).split()]
            if not codes:
                return None
        if not official:  # an alternate title of several: is it named in just one official title?
            pattern = re.compile(rf"\b{re.escape(norm)}\b")
            named = [c for c in codes if pattern.search(singular(normalise(self.titles[c])))]
            official = named if len(named) == 1 else []
            codes = named + [c for c in codes if c not in named]  # named ones first as candidates
        if len(codes) == 1 or len(official) == 1:
            best = official[0] if official else codes[0]
            rest = [c for c in codes if c != best]
            return Match("matched", "exact title", self.taxonomy, best, self.titles[best], 1.0,
                         rest[0] if rest else None, self.titles[rest[0]] if rest else None)
        groups = {c.split(".")[0] for c in codes}
        if self.taxonomy == "onet" and len(groups) == 1 and f"{groups.pop()}.00" in codes:
            best = next(c for c in codes if c.endswith(".00"))
            rest = [c for c in codes if c != best]
            return Match("matched", "exact title, broadest of its O*NET-SOC group", self.taxonomy, best,
                         self.titles[best], 1.0, rest[0], self.titles[rest[0]])
        return Match("ambiguous", "exact title of several occupations", self.taxonomy, codes[0],
                     self.titles[codes[0]], 1.0, codes[1], self.titles[codes[1]])

    def match_similar(self, texts: list[str]) -> list[Match]:
        """Embedding matches: the best variant per occupation, best and runner-up occupation."""
        if not texts:
            return []
        import torch

        q = torch.from_numpy(embed(texts))
        index = torch.from_numpy(self.vectors)
        codes = self.variants["occupation_code"].to_numpy()
        top_sim, top_idx = [], []
        for start in range(0, len(q), 2048):  # the 64 closest title variants of each query
            values, idx = torch.topk(q[start : start + 2048] @ index.T, min(64, len(codes)), dim=1)
            top_sim.append(values.numpy())
            top_idx.append(idx.numpy())
        out = []
        norms = self.variants["norm"].to_numpy()
        for text, sims, idx in zip(texts, np.concatenate(top_sim), np.concatenate(top_idx)):
            order = np.lexsort((idx, -sims))  # ties by variant order
            sims, idx = sims[order], idx[order]
            one_word = len(text.split()) == 1
            if one_word:  # the bare word as an alternate title of some occupation proves nothing
                keep = norms[idx] != singular(normalise(text))
                sims, idx = sims[keep], idx[keep]
            if len(idx) == 0:
                out.append(Match("unmatched", "title similarity"))
                continue
            best_code = codes[idx[0]]
            runner = next((j for j in range(1, len(idx)) if codes[idx[j]] != best_code), None)
            sim = float(sims[0])
            r_code = codes[idx[runner]] if runner is not None else None
            r_sim = float(sims[runner]) if runner is not None else 0.0
            if sim < (MATCH_AT_ONE_WORD if one_word else MATCH_AT):
                status = "unmatched"
            elif sim - r_sim < MARGIN:
                status = "ambiguous"
            else:
                status = "matched"
            out.append(Match(status, "title similarity", self.taxonomy, best_code, self.titles[best_code], sim,
                             r_code, self.titles.get(r_code) if r_code else None))
        return out


@cache
def title_index(taxonomy: str) -> TitleIndex:
    return TitleIndex(taxonomy)


def resolve(inputs: list[str], taxonomy: str = "onet") -> pl.DataFrame:
    """One match row per input (same order), with the columns of ``MATCH_SCHEMA``."""
    index = title_index(taxonomy)
    unique = list(dict.fromkeys(s.strip() for s in inputs))
    found: dict[str, Match] = {}
    todo = []
    for text in unique:
        if not text:
            found[text] = Match("unmatched", "empty")
            continue
        m = _code(text) or index.match_exact(text)
        if m is None:
            todo.append(text)
        else:
            found[text] = m
    found.update(zip(todo, index.match_similar(todo)))
    rows = [found[s.strip()].row() for s in inputs]
    return pl.DataFrame(rows, schema=MATCH_SCHEMA, orient="row")
