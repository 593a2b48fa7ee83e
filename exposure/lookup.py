"""The career adviser's page for one occupation: why it is exposed and where a safer move lies.

:func:`lookup` resolves a title or code (:mod:`exposure.match`) and gathers, as plain data
(the CLI renders it, ``--json`` prints it as is):

- the matched occupation, and the runner-up when the match is uncertain (an ambiguous
  title is an error that names the candidates: nothing is chosen for the user);
- each score with its interval and its percentile among the occupations of the taxonomy;
- the five most and five least offshorable tasks with their evidence (ESCO occupations show
  the tasks of the O*NET occupation they map to, else of their ISCO-08 unit group);
- the skill profile: distinctive skills, generic e-skills, identity dissolution;
- five nearby occupations (shared skills and similar tasks) whose offshorability is lower by
  at least ``SAFER_BY``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from exposure.errors import InputError
from exposure.match import resolve
from exposure.scoring.codebook import CONSTRUCTS
from exposure.scoring.evaluate import percentiles
from exposure.scoring.pipeline import Scores
from taxonomies import crosswalks, load

N_TASKS = 5
N_MOVES = 5
N_SKILLS = 8
SAFER_BY = 0.05  # a safer move is at least this much less offshorable


def _percentiles(occupations: pl.DataFrame, taxonomy: str, code: str) -> dict[str, dict[str, float]]:
    occ = occupations.filter(pl.col("taxonomy") == taxonomy)
    row = occ.filter(pl.col("occupation_code") == code).row(0, named=True)
    out = {}
    for c in CONSTRUCTS:
        ranked = percentiles(occ, c).filter(pl.col("occupation_code") == code)
        out[c] = {
            "score": row[c],
            "lo": row[f"{c}_lo"],
            "hi": row[f"{c}_hi"],
            "percentile": round(100 * ranked["percentile"].item(), 1),
        }
    return out


def _task_source(taxonomy: str, code: str) -> tuple[str, list[str], str]:
    """Which tasks describe the occupation: its own, or those it maps to."""
    if taxonomy in ("onet", "isco08"):
        return taxonomy, [code], "its own tasks"
    cw = load("crosswalk", only="esco")
    onet = cw.filter((pl.col("method") == crosswalks.ESCO_TO_ONET) & (pl.col("from_code") == code))
    if onet.height:
        codes = onet.sort("weight", "to_code", descending=[True, False])["to_code"].to_list()
        return "onet", codes[:1], f"tasks of O*NET {codes[0]} (Nesta crosswalk)"
    return "isco08", [code.split(".")[0]], f"tasks of ISCO-08 unit group {code.split('.')[0]}"


def _tasks(scores: Scores, taxonomy: str, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
    t = scores.tasks.filter((pl.col("taxonomy") == taxonomy) & pl.col("occupation_code").is_in(codes))
    cols = ["task_id", "task_text", "offshorability", "offshorability_lo", "offshorability_hi",
            "routinizability", "place_boundness", "evidence"]
    ranked = t.sort(["offshorability", "task_id"], descending=[True, False]).select(cols)
    most = ranked.head(N_TASKS)
    rest = ranked.slice(most.height)  # a short task list is not shown twice
    return {
        "most_exposed": most.to_dicts(),
        "least_exposed": rest.reverse().head(N_TASKS).to_dicts(),
    }


def _skills(taxonomy: str, code: str) -> dict[str, Any]:
    from exposure.graph import identity_table, skill_table

    from exposure.graph.identity import MEASURES, identity_by_unit_group

    if taxonomy == "isco08":  # identity measures averaged over the unit group's ESCO occupations
        unit = identity_by_unit_group(identity_table("esco")).filter(pl.col("occupation_code") == code)
        return {"note": "the skill graph covers O*NET and ESCO occupations; identity measures are the mean of the "
                        "unit group's ESCO occupations", **(unit.drop("occupation_code").to_dicts() or [{}])[0]}
    links = load("occupation_skills", only=taxonomy).filter(pl.col("occupation_code") == code)
    skills = skill_table(taxonomy).with_columns(pl.col("skill_id").str.strip_prefix("skill:"))
    held = links.join(skills, on="skill_id", how="inner").with_columns(
        distinctiveness=pl.col("weight") * (1 - pl.col("genericity"))
    )
    identity = identity_table(taxonomy).filter(pl.col("occupation_code") == code)
    measures = identity.select([c for c in MEASURES if c in identity.columns]).to_dicts()
    return {
        "distinctive": held.filter(~pl.col("is_e_skill"))
        .sort(["distinctiveness", "skill_id"], descending=[True, False])["label"].head(N_SKILLS).to_list(),
        "e_skills": held.filter(pl.col("is_e_skill"))
        .sort(["genericity", "skill_id"], descending=[True, False])["label"].head(N_SKILLS).to_list(),
        **(measures[0] if measures else {}),
    }


def _moves(taxonomy: str, code: str, own: float) -> list[dict[str, Any]]:
    from exposure.graph import neighbours

    if taxonomy == "isco08":
        return []
    near = neighbours(taxonomy, code, k=50)
    safer = near.filter(pl.col("offshorability") <= own - SAFER_BY).head(N_MOVES)
    return safer.to_dicts()


def lookup(query: str, scores: Scores, taxonomy: str = "onet") -> dict[str, Any]:
    """Everything the adviser page shows for one title or code, as plain data."""
    query = query.strip()
    if not query:
        raise InputError("give an occupation title or code")
    if len(query) > 500:
        raise InputError("that query is longer than 500 characters; give a title or a code")
    if any(not ch.isprintable() for ch in query) or query != query.encode("utf-8", "replace").decode("utf-8"):
        raise InputError("the query is not printable text; give an occupation title or code")
    match = resolve([query], taxonomy).row(0, named=True)
    if match["match_status"] == "unmatched":
        hint = f"; the closest is {match['runner_up_title']!r} ({match['runner_up_code']})" if match["runner_up_code"] else ""
        raise InputError(f"no occupation matches {query!r}{hint}")
    if match["match_status"] == "ambiguous":
        raise InputError(
            f"{query!r} fits several occupations, e.g. {match['matched_title']!r} ({match['matched_code']}) and "
            f"{match['runner_up_title']!r} ({match['runner_up_code']}); give a code or a more precise title"
        )
    tax, code = match["matched_taxonomy"], match["matched_code"]
    row = scores.occupations.filter((pl.col("taxonomy") == tax) & (pl.col("occupation_code") == code))
    if row.is_empty():
        raise InputError(f"{tax} {code} has no scores")
    task_tax, task_codes, task_note = _task_source(tax, code)
    return {
        "query": query,
        "match": match,
        "occupation": {"taxonomy": tax, "code": code, "title": row["title"].item(),
                       "n_tasks": row["n_tasks"].item(), "source": row["source"].item()},
        "scores": _percentiles(scores.occupations, tax, code),
        "tasks": {"from": task_note, **_tasks(scores, task_tax, task_codes)},
        "skills": _skills(tax, code),
        "safer_moves": _moves(tax, code, row["offshorability"].item()),
    }
