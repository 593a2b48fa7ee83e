"""ESCO 1.2.0: occupations, skills, collections and occupation-skill relations.

Occupations are keyed by their ESCO code (``2654.1.7``, the ISCO-08 unit group followed
by the path below it); the concept URI is kept in ``uri``. Parents are the broader ESCO
occupations (:func:`broader_codes`), then the ISCO-08 unit, minor, sub-major and major group; the skill level is that of
the ISCO-08 group.

``skills_en`` and ``occupationSkillRelations_en`` are reconstructions of the official files
(see ``../shared/data/esco/SOURCE.md`` and docs/data.md): skill type and reuse level are known only for skills that belong to
one of the official collections; for the rest the type follows the skill pillar
(K knowledge, otherwise skill/competence) and the reuse level is left empty.
"""

from __future__ import annotations

import polars as pl

from taxonomies.isco08 import isco_parents, skill_level
from taxonomies.sources import read

TAXONOMY = "esco"
ESCO = "esco/"
ISCO_URI = "http://data.europa.eu/esco/isco/C"

COLLECTIONS = {
    "in_digital": "digitalSkillsCollection_en.csv",
    "in_digcomp": "digCompSkillsCollection_en.csv",
    "in_transversal": "transversalSkillsCollection_en.csv",
    "in_language": "languageSkillsCollection_en.csv",
    "in_green": "greenSkillsCollection_en.csv",
    "in_research": "researchSkillsCollection_en.csv",
}
RELATION_WEIGHT = {"essential": 1.0, "optional": 0.5}


def _occupation_table() -> pl.DataFrame:
    return read(ESCO + "occupations_en.csv")


def broader_codes(code: str) -> list[str]:
    """The broader ESCO occupations of an ESCO code, nearest first: ESCO codes spell the
    primary hierarchy (``2654.1.7`` sits under ``2654.1``). Four occupations have a second,
    polyhierarchical broader occupation in ``broaderRelationsOccPillar``; it is not used.

    >>> broader_codes("2654.1.7")
    ['2654.1']
    """
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 1, -1)]


def occupations() -> pl.DataFrame:
    occ = _occupation_table()
    isco = pl.col("iscoGroup")
    return occ.select(
        taxonomy=pl.lit(TAXONOMY),
        occupation_code=pl.col("code"),
        title=pl.col("preferredLabel"),
        description=pl.col("description"),
        parent_codes=pl.concat_list(
            pl.col("code").map_elements(broader_codes, return_dtype=pl.List(pl.String)),
            isco,
            isco_parents(isco),
        ),
        isco08_major=isco.str.slice(0, 1),
        skill_level=isco.map_elements(skill_level, return_dtype=pl.Int8),
        uri=pl.col("conceptUri"),
        alternate_titles=pl.col("altLabels")
        .fill_null("")
        .str.split("\n")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
        .list.unique()
        .list.sort(),
    )


def _collections() -> pl.DataFrame:
    """Membership flags and, where a collection file gives them, skill type and reuse level."""
    frames = []
    for flag, name in COLLECTIONS.items():
        frames.append(
            read(ESCO + name).select(
                skill_id=pl.col("conceptUri"),
                collection=pl.lit(flag),
                skillType=pl.col("skillType"),
                reuseLevel=pl.col("reuseLevel"),
            )
        )
    members = pl.concat(frames)
    flags = members.with_columns(v=pl.lit(True)).pivot(
        on="collection", index="skill_id", values="v", aggregate_function="first"
    )
    typed = members.group_by("skill_id").agg(
        pl.col("skillType").drop_nulls().first(), pl.col("reuseLevel").drop_nulls().first()
    )
    return flags.join(typed, on="skill_id")


def skills() -> pl.DataFrame:
    s = read(ESCO + "skills_en.RECONSTRUCTED.csv").rename({"conceptUri": "skill_id"})
    coll = _collections()
    pillar = pl.col("pillarTop")
    by_pillar = (
        pl.when(pillar.str.contains("K") & ~pillar.str.contains("S"))
        .then(pl.lit("knowledge"))
        .otherwise(pl.lit("skill/competence"))
    )
    return s.join(coll, on="skill_id", how="left").select(
        taxonomy=pl.lit(TAXONOMY),
        skill_id=pl.col("skill_id"),
        label=pl.col("preferredLabel"),
        skill_type=pl.coalesce(pl.col("skillType"), by_pillar),
        reuse_level=pl.col("reuseLevel"),
        text=pl.col("text_label_altLabels_description"),
        *[pl.col(flag).fill_null(False) if flag in coll.columns else pl.lit(False).alias(flag)
          for flag in COLLECTIONS],
    )


def occupation_skills() -> pl.DataFrame:
    code_of = _occupation_table().select(occupationUri=pl.col("conceptUri"), occupation_code=pl.col("code"))
    rel = read(ESCO + "occupationSkillRelations_en.RECONSTRUCTED.csv")
    return rel.join(code_of, on="occupationUri", how="left").select(
        taxonomy=pl.lit(TAXONOMY),
        occupation_code=pl.col("occupation_code"),
        skill_id=pl.col("skillUri"),
        relation=pl.col("relationType"),
        weight=pl.col("relationType").replace_strict(RELATION_WEIGHT, return_dtype=pl.Float64),
    )
