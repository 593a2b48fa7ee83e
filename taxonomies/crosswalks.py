"""Crosswalks between the taxonomies, official tables first, then the chains built on them.

Official links (one ``method`` each):

- ``onet`` -> ``soc2018``: O*NET-SOC 2019 to SOC 2018 (O*NET Resource Center)
- ``soc2018`` -> ``soc2010``: BLS SOC 2010 to 2018 crosswalk, read backwards
- ``soc2010`` <-> ``isco08``: BLS ISCO-08 / SOC 2010 crosswalk (``partial`` where BLS marks ``*``)
- ``onet2010`` -> ``onet``: O*NET-SOC 2010 to 2019 (O*NET Resource Center)
- ``esco`` -> ``isco08``: the ``iscoGroup`` of every ESCO occupation
- ``esco`` -> ``onet2010``: Nesta's crosswalk for 1,680 ESCO occupations; an ESCO occupation
  it does not list takes the link of its nearest broader ESCO occupation (``inherited``)

Chains compose these: ``onet`` -> ``isco08`` through SOC 2018 and SOC 2010, and ``esco`` ->
``onet`` through O*NET-SOC 2010; both are also read backwards (``isco08`` -> ``onet``,
``onet`` -> ``esco``), every code reached sharing its source equally. A code that maps to *n* codes gives each a ``weight`` of
1/*n*; a chain multiplies weights along the path, adds them over paths that meet, and
renormalises over the codes it reaches, so weights sum to 1 for every ``from_code``.
"""

from __future__ import annotations

import polars as pl

from taxonomies.esco import broader_codes
from taxonomies.sources import read

ONET_TO_SOC2018 = "onet-soc2019>soc2018 (O*NET)"
SOC2018_TO_SOC2010 = "soc2010>soc2018 (BLS), reversed"
SOC2010_TO_ISCO = "isco08<>soc2010 (BLS)"
ONET2010_TO_ONET = "onet-soc2010>onet-soc2019 (O*NET)"
ESCO_TO_ISCO = "esco iscoGroup"
NESTA = "esco>onet-soc2010 (Nesta 2020)"
NESTA_INHERITED = "esco>onet-soc2010 (Nesta 2020, inherited from broader occupation)"
ONET_TO_ISCO = "chain: onet>soc2018>soc2010>isco08"
ESCO_TO_ONET = "chain: esco>onet2010>onet"
ISCO_TO_ONET = "reversed chain: isco08>soc2010>soc2018>onet"
ONET_TO_ESCO = "reversed chain: onet>onet2010>esco"


def edges(
    df: pl.DataFrame, from_tax: str, to_tax: str, method: str, *, partial: pl.Expr | None = None,
    confidence: pl.Expr | None = None,
) -> pl.DataFrame:
    """Links ``from_code`` -> ``to_code`` with equal weights per ``from_code``."""
    out = df.select(
        from_code=pl.col("from_code"),
        to_code=pl.col("to_code"),
        partial=partial if partial is not None else pl.lit(False),
        confidence=confidence if confidence is not None else pl.lit(None, pl.Float64),
    ).filter(pl.col("from_code").is_not_null() & pl.col("to_code").is_not_null())
    out = out.group_by("from_code", "to_code").agg(pl.col("partial").any(), pl.col("confidence").max())
    return out.with_columns(
        from_taxonomy=pl.lit(from_tax),
        to_taxonomy=pl.lit(to_tax),
        method=pl.lit(method),
        weight=1.0 / pl.len().over("from_code"),
    )


def compose(first: pl.DataFrame, second: pl.DataFrame, method: str) -> pl.DataFrame:
    """The chain ``first`` then ``second``: weights multiply along paths and add where paths
    meet, then are renormalised over the codes reached."""
    joined = first.select("from_taxonomy", "from_code", mid="to_code", w1="weight", p1="partial").join(
        second.select(mid="from_code", to_taxonomy="to_taxonomy", to_code="to_code", w2="weight", p2="partial"),
        on="mid",
        how="inner",
    )
    return (
        joined.group_by("from_taxonomy", "from_code", "to_taxonomy", "to_code")
        .agg((pl.col("w1") * pl.col("w2")).sum().alias("weight"), (pl.col("p1") | pl.col("p2")).any().alias("partial"))
        .with_columns(
            weight=pl.col("weight") / pl.col("weight").sum().over("from_code"),
            method=pl.lit(method),
            confidence=pl.lit(None, pl.Float64),
        )
    )


def reverse(links: pl.DataFrame, method: str) -> pl.DataFrame:
    """The links read backwards, each new ``from_code`` split equally over its targets."""
    df = links.select(from_code="to_code", to_code="from_code", partial="partial")
    return edges(df, links["to_taxonomy"][0], links["from_taxonomy"][0], method, partial=pl.col("partial"))


def _onet_to_soc2018() -> pl.DataFrame:
    df = read("crosswalks/2019_to_SOC_Crosswalk.xlsx").select(
        from_code=pl.col("O*NET-SOC 2019 Code"), to_code=pl.col("2018 SOC Code")
    )
    return edges(df, "onet", "soc2018", ONET_TO_SOC2018)


def _soc2018_to_soc2010() -> pl.DataFrame:
    df = read("crosswalks/soc_2010_to_2018_crosswalk.xlsx").select(
        from_code=pl.col("2018 SOC Code"), to_code=pl.col("2010 SOC Code")
    )
    return edges(df, "soc2018", "soc2010", SOC2018_TO_SOC2010)


def _isco_soc2010() -> pl.DataFrame:
    return read("crosswalks/ISCO_SOC_Crosswalk.xls").select(
        isco=pl.col("ISCO-08 Code"), soc=pl.col("2010 SOC Code"), partial=pl.col("part") == "*"
    )


def _soc2010_to_isco() -> pl.DataFrame:
    df = _isco_soc2010().rename({"soc": "from_code", "isco": "to_code"})
    return edges(df, "soc2010", "isco08", SOC2010_TO_ISCO, partial=pl.col("partial"))


def _isco_to_soc2010() -> pl.DataFrame:
    df = _isco_soc2010().rename({"isco": "from_code", "soc": "to_code"})
    return edges(df, "isco08", "soc2010", SOC2010_TO_ISCO, partial=pl.col("partial"))


def _onet2010_to_onet() -> pl.DataFrame:
    df = read("crosswalks/2010_to_2019_Crosswalk.csv").select(
        from_code=pl.col("O*NET-SOC 2010 Code"), to_code=pl.col("O*NET-SOC 2019 Code")
    )
    return edges(df, "onet2010", "onet", ONET2010_TO_ONET)


def soc() -> pl.DataFrame:
    """The US/ILO part: O*NET-SOC, SOC 2018, SOC 2010, ISCO-08, and O*NET -> ISCO-08."""
    onet_soc, soc18_10, soc10_isco = _onet_to_soc2018(), _soc2018_to_soc2010(), _soc2010_to_isco()
    onet_isco = compose(compose(onet_soc, soc18_10, "tmp"), soc10_isco, ONET_TO_ISCO)
    return pl.concat(
        [onet_soc, soc18_10, soc10_isco, _isco_to_soc2010(), _onet2010_to_onet(), onet_isco,
         reverse(onet_isco, ISCO_TO_ONET)],
        how="diagonal_relaxed",
    )


def _esco_occupations() -> pl.DataFrame:
    return read("esco/occupations_en.csv").select("conceptUri", "code", "iscoGroup")


def _esco_to_onet2010() -> pl.DataFrame:
    occ = _esco_occupations()
    nesta = read("crosswalks/esco_onet_crosswalk_Nov2020.csv").select(
        conceptUri=pl.col("concept_uri"), onet2010=pl.col("onet_code"),
        confidence=pl.col("confidence").cast(pl.Float64),
    )
    direct = dict(
        occ.join(nesta, on="conceptUri", how="inner").select("code", "onet2010").iter_rows()
    )
    conf = dict(occ.join(nesta, on="conceptUri", how="inner").select("code", "confidence").iter_rows())
    rows = []
    for code in occ["code"]:
        if code in direct:
            rows.append((code, direct[code], conf[code], NESTA))
            continue
        for parent in broader_codes(code):
            if parent in direct:
                rows.append((code, direct[parent], conf[parent], NESTA_INHERITED))
                break
    df = pl.DataFrame(rows, schema=["from_code", "to_code", "confidence", "method"], orient="row")
    return pl.concat(
        [
            edges(part, "esco", "onet2010", method, confidence=pl.col("confidence"))
            for (method,), part in df.group_by("method", maintain_order=True)
        ]
    )


def esco() -> pl.DataFrame:
    """The ESCO part: ESCO -> ISCO-08 (its own groups), ESCO -> O*NET (Nesta, via 2010)."""
    to_isco = edges(
        _esco_occupations().select(from_code="code", to_code="iscoGroup"), "esco", "isco08", ESCO_TO_ISCO
    )
    to_onet2010 = _esco_to_onet2010()
    to_onet = compose(to_onet2010, _onet2010_to_onet(), ESCO_TO_ONET)
    return pl.concat([to_isco, to_onet2010, to_onet, reverse(to_onet, ONET_TO_ESCO)], how="diagonal_relaxed")


def coverage(crosswalk: pl.DataFrame, occupations: pl.DataFrame) -> pl.DataFrame:
    """How far the chains reach: share of each taxonomy's occupations with a link."""

    def codes(taxonomy: str) -> set[str]:
        return set(occupations.filter(pl.col("taxonomy") == taxonomy)["occupation_code"])

    def linked(method: str, side: str) -> set[str]:
        return set(crosswalk.filter(pl.col("method").is_in(method if isinstance(method, list) else [method]))[side])

    rows = []

    def add(what: str, reached: set[str], universe: set[str]) -> None:
        n = len(reached & universe)
        rows.append((what, n, len(universe), n / len(universe) if universe else 0.0))

    onet, isco, esco_ = codes("onet"), codes("isco08"), codes("esco")
    add("O*NET occupations reaching an ISCO-08 unit group", linked(ONET_TO_ISCO, "from_code"), onet)
    add("ISCO-08 unit groups reached from O*NET", linked(ONET_TO_ISCO, "to_code"), isco)
    add("ESCO occupations with an ISCO-08 unit group", linked(ESCO_TO_ISCO, "from_code"), esco_)
    add("ESCO occupations linked to O*NET (Nesta, direct)", linked(NESTA, "from_code"), esco_)
    add("ESCO occupations linked to O*NET (direct or inherited)", linked(ESCO_TO_ONET, "from_code"), esco_)
    add("O*NET occupations reached from ESCO", linked(ESCO_TO_ONET, "to_code"), onet)
    add("O*NET occupations with an ESCO occupation (reversed chain)", linked(ONET_TO_ESCO, "from_code"), onet)
    return pl.DataFrame(rows, schema=["link", "reached", "of", "share"], orient="row")
