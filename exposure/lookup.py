"""The career adviser's page for one occupation: why it is exposed and where a safer move lies.

:func:`lookup` resolves a title or code (:mod:`exposure.match`) and returns a
:class:`LookupResult`, one dataclass per section (the CLI renders it; ``as_dict`` /
``to_json`` give everything for ``--json``):

- ``summary``: in plain words, the offshorability band, the share of the job's task weight
  that could be done from abroad, the kinds of tasks that can move and those that stay, and
  one sentence on the skill profile;
- ``scores``: each construct with its 90% interval, percentile and band (:data:`BANDS`);
- ``tasks``: the most and least offshorable tasks, each with its evidence in words; nearest
  coded tasks only when close (:data:`NEAR_TASK_AT`) and from a related occupation (same
  O*NET-SOC major group or a skill-graph neighbour); a task whose interval is wider than
  :data:`UNCERTAIN_WIDTH` is marked uncertain;
- ``skills``: distinctive skills, generic e-skills and the identity measures (ISCO-08 unit
  groups through their ESCO occupations);
- ``moves``: safer moves: skill-graph neighbours at least :data:`SAFER_BY_PERCENTILE`
  percentile points less offshorable, at most :data:`MAX_ZONE_STEP` Job Zone (skill level)
  up, sharing at least :data:`MIN_SKILL_OVERLAP` of their skills, each with the shared skills,
  skills to learn, Job Zone change and US median wage change (BLS OEWS). ISCO-08 unit groups
  get their moves through their ESCO occupations.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache
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
N_SHARED = 5
# bands of a construct by percentile among the occupations of the taxonomy: (upper bound, name)
BANDS = ((100 / 3, "low"), (200 / 3, "medium"), (100.0, "high"))
LOWEST_QUARTER = 25.0
SAFER_BY_PERCENTILE = 15.0  # a safer move is at least this many percentile points less offshorable
MAX_ZONE_STEP = 1  # a realistic move is at most one Job Zone (skill level) up
MIN_SKILL_OVERLAP = 0.35  # share of skills in common (skill graph) for a realistic move
UNCERTAIN_WIDTH = 0.5  # a task score whose 90% interval is wider than this is uncertain
NEAR_TASK_AT = 0.75  # a nearest coded task is shown only at this similarity or more
HELD_AT = 0.5  # an O*NET skill or knowledge rating (0-1) at or above this counts as held
# the identity measures shown (the skill graph's identity table; one place to extend)
IDENTITY_MEASURES = ("specificity", "e_skill_share", "generic_share", "substitutability", "identity_dissolution")
# skills named in plain words (O*NET skills and knowledge; ESCO skills), not catalogue items
PLAIN_KINDS = ("skill", "knowledge", "skill/competence")
HIGH_TASK = 0.6  # a task this offshorable "could be done from abroad"
LOW_TASK = 0.4  # a task this little offshorable "stays"


def band(percentile: float) -> str:
    """The band of a percentile: low below 33.3, high from 66.7, else medium."""
    return next(name for upper, name in BANDS if percentile < upper or upper == 100.0)


# --- the sections ----------------------------------------------------------------------------


@dataclass
class Construct:
    name: str
    score: float
    lo: float
    hi: float
    percentile: float
    band: str


@dataclass
class Task:
    task_id: str
    text: str
    offshorability: float
    lo: float
    hi: float
    uncertain: bool
    why: list[str]  # the evidence in words
    nearest: list[str]  # close coded tasks of related occupations, in words
    evidence: list[str]  # the evidence as recorded (codes and numbers)
    routinizability: float
    place_boundness: float


@dataclass
class Tasks:
    source: str  # whose tasks these are
    most_exposed: list[Task] = field(default_factory=list)
    least_exposed: list[Task] = field(default_factory=list)


@dataclass
class Skills:
    via: str  # whose skills: the occupation's own, or its ESCO occupations'
    distinctive: list[str] = field(default_factory=list)
    e_skills: list[str] = field(default_factory=list)
    measures: dict[str, float | None] = field(default_factory=dict)
    in_words: str = ""
    note: str | None = None


@dataclass
class Move:
    taxonomy: str
    code: str
    title: str
    similarity: float
    skill_overlap: float
    offshorability: float
    percentile: float
    percentile_drop: float
    lowest_quarter: bool
    job_zone: int | None
    job_zone_change: int | None
    median_wage: float | None
    wage_change: float | None
    shared_skills: list[str]
    skills_to_learn: list[str]


@dataclass
class Moves:
    rule: str
    moves: list[Move] = field(default_factory=list)
    note: str | None = None
    job_zone: int | None = None
    median_wage: float | None = None


@dataclass
class Summary:
    band: str
    share_abroad: float | None  # share of task weight highly offshorable
    can_move: list[str]
    stays: list[str]
    skills: str
    lowest_quarter: bool
    sentences: list[str]


@dataclass
class LookupResult:
    query: str
    match: dict[str, Any]
    occupation: dict[str, Any]
    summary: Summary
    scores: list[Construct]
    tasks: Tasks
    skills: Skills
    moves: Moves

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


# --- builders, one per section ------------------------------------------------------------


def _scores(occupations: pl.DataFrame, taxonomy: str, code: str) -> list[Construct]:
    occ = occupations.filter(pl.col("taxonomy") == taxonomy)
    row = occ.filter(pl.col("occupation_code") == code).row(0, named=True)
    out = []
    for c in CONSTRUCTS:
        p = round(100 * percentiles(occ, c).filter(pl.col("occupation_code") == code)["percentile"].item(), 1)
        out.append(Construct(c, row[c], row[f"{c}_lo"], row[f"{c}_hi"], p, band(p)))
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


_ACTIVITY = re.compile(r"^activity: (?P<what>.*?)\s*\[(?P<code>[^,\]]*), coded at \w+: (?P<vals>[^\]]*)\]$")
_NEAREST = re.compile(r'^nearest coded task: "(?P<text>.*)" \[(?P<code>[^,]+), similarity (?P<sim>[\d.]+), '
                      r"offshorability (?P<off>[\d.]+)\]$")


def _codes_in_words(vals: str) -> str:
    v = dict(re.findall(r"([RPSMO]) ([\d.]+)", vals))
    v = {k: float(x) for k, x in v.items()}
    parts = []
    o = v.get("O")
    if o is not None:
        parts.append("usually done remotely" if o >= 0.75 else "usually done on site" if o <= 0.25
                     else "partly done remotely")
    if v.get("P", 0) >= 0.5:
        parts.append("needs people in person")
    if v.get("S", 0) >= 0.5:
        parts.append("tied to a place")
    if v.get("M", 0) >= 0.5:
        parts.append("handles physical things")
    if v.get("R", 0) >= 0.75:
        parts.append("routine")
    return ", ".join(parts)


def _task(row: dict[str, Any], related: set[str], taxonomy: str, codes: list[str], titles: dict[str, str]) -> Task:
    why, nearest = [], []
    groups = {c[:2] for c in codes} if taxonomy == "onet" else set()
    for e in row["evidence"] or []:
        a, n = _ACTIVITY.match(e), _NEAREST.match(e)
        if a:
            words = _codes_in_words(a["vals"])
            why.append(f"it is a kind of \"{a['what'].rstrip('.')}\"" + (f", work that is {words}" if words else ""))
        elif n:
            code, sim = n["code"], float(n["sim"])
            if sim >= NEAR_TASK_AT and (code in related or code[:2] in groups) and code not in codes:
                who = titles.get(code, code)
                nearest.append(f"like \"{n['text']}\" ({who}), which is "
                               + ("highly" if float(n["off"]) >= HIGH_TASK else "little" if float(n["off"]) <= LOW_TASK
                                  else "partly") + " offshorable")
    lo, hi = row["offshorability_lo"], row["offshorability_hi"]
    return Task(row["task_id"], row["task_text"], row["offshorability"], lo, hi, hi - lo > UNCERTAIN_WIDTH, why,
                nearest,
                list(row["evidence"] or []), row["routinizability"], row["place_boundness"])


def _tasks(scores: Scores, taxonomy: str, codes: list[str], source: str, related: set[str]) -> Tasks:
    t = scores.tasks.filter((pl.col("taxonomy") == taxonomy) & pl.col("occupation_code").is_in(codes))
    ranked = t.sort(["offshorability", "task_id"], descending=[True, False])
    titles = _titles("onet")
    most = ranked.head(N_TASKS)
    rest = ranked.slice(most.height)  # a short task list is not shown twice
    return Tasks(
        source,
        [_task(r, related, taxonomy, codes, titles) for r in most.iter_rows(named=True)],
        [_task(r, related, taxonomy, codes, titles) for r in rest.reverse().head(N_TASKS).iter_rows(named=True)],
    )


@cache
def _titles(taxonomy: str) -> dict[str, str]:
    return dict(load("occupations", only=taxonomy).select("occupation_code", "title").iter_rows())


@cache
def _esco_members(isco: str) -> tuple[str, ...]:
    occ = load("occupations", only="esco")
    return tuple(sorted(occ.filter(pl.col("occupation_code").str.slice(0, 4) == isco)["occupation_code"]))


@cache
def _skill_links(taxonomy: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The occupation-skill links that count as held, and the skill table (read once)."""
    from exposure.graph import skill_table

    links = load("occupation_skills", only=taxonomy)
    if taxonomy == "onet":  # rated skills and knowledge held at HELD_AT or more; technologies and tools as listed
        links = links.filter((pl.col("relation") != "rating") | (pl.col("weight") >= HELD_AT))
    return links, skill_table(taxonomy).with_columns(pl.col("skill_id").str.strip_prefix("skill:"))


def _held(taxonomy: str, codes: tuple[str, ...]) -> pl.DataFrame:
    """The skills an occupation holds (O*NET: skill and knowledge rated at or above HELD_AT;
    ESCO: essential and optional skills), with their labels; for several ESCO occupations,
    those held by at least half of them."""
    links, skills = _skill_links(taxonomy)
    links = links.filter(pl.col("occupation_code").is_in(list(codes)))
    held = (links.group_by("skill_id").agg(weight=pl.col("weight").sum() / len(codes), n=pl.len())
            .filter(pl.col("n") >= max(1, len(codes) / 2)))
    return held.join(skills, on="skill_id", how="inner")


def _identity_in_words(measures: dict[str, float | None], taxonomy: str, codes: tuple[str, ...]) -> str:
    from exposure.graph import identity_table

    value = measures.get("identity_dissolution")
    if value is None:
        return "There is no skill profile for this occupation."
    table = identity_table(taxonomy)
    share = (table["identity_dissolution"] < value).mean()
    e = measures.get("e_skill_share") or 0.0
    level = "more" if share >= 2 / 3 else "less" if share <= 1 / 3 else "about as"
    return (f"About {e:.0%} of its skills are general computer skills, and its skill profile is {level} "
            f"likely than most occupations' to blur into generic digital work (more than {share:.0%} of "
            f"occupations).")


def _skills(taxonomy: str, code: str) -> Skills:
    from exposure.graph import identity_table

    if taxonomy == "isco08":
        members = _esco_members(code)
        if not members:
            return Skills("no ESCO occupation", note=f"ISCO-08 {code} has no ESCO occupations with skills")
        tax, codes, via = "esco", members, f"its {len(members)} ESCO occupations (skills held by at least half)"
    else:
        tax, codes, via = taxonomy, (code,), "its own skills"
    held = _held(tax, codes).with_columns(distinctiveness=pl.col("weight") * (1 - pl.col("genericity")))
    plain = held.filter(~pl.col("is_e_skill") & pl.col("kind").is_in(PLAIN_KINDS))
    identity = identity_table(tax).filter(pl.col("occupation_code").is_in(list(codes)))
    cols = [c for c in IDENTITY_MEASURES if c in identity.columns]
    known = identity.height > 0
    measures = {c: (round(float(identity[c].mean()), 4) if known and identity[c].null_count() < identity.height
                    else None) for c in cols}
    if held.is_empty() and identity.is_empty():
        return Skills(via, measures=measures, note="the skill graph has no skills for this occupation")
    return Skills(
        via,
        plain.sort(["distinctiveness", "skill_id"], descending=[True, False])["label"].head(N_SKILLS).to_list(),
        held.filter(pl.col("is_e_skill")).sort(["genericity", "skill_id"], descending=[True, False])["label"]
        .head(N_SKILLS).to_list(),
        measures,
        _identity_in_words(measures, tax, codes),
    )


@cache
def _job_zones(taxonomy: str) -> dict[str, int]:
    """O*NET Job Zone (1-5), or the ISCO-08 skill level (1-4) for ISCO-08 and ESCO."""
    occ = load("occupations", only=taxonomy).drop_nulls("skill_level")
    return dict(occ.select("occupation_code", pl.col("skill_level").cast(pl.Int64)).iter_rows())


@cache
def _wages(taxonomy: str) -> dict[str, float]:
    """US annual median wage (BLS OEWS) by O*NET-SOC code, or by ESCO code through its O*NET
    occupation (Nesta crosswalk)."""
    oews = load("employment_us").drop_nulls("annual_median_wage")
    by_soc = dict(oews.select("soc_code", "annual_median_wage").iter_rows())
    onet = {c: by_soc[c[:7]] for c in _titles("onet") if c[:7] in by_soc}
    if taxonomy == "onet":
        return onet
    if taxonomy == "esco":
        cw = load("crosswalk", only="esco").filter(pl.col("method") == crosswalks.ESCO_TO_ONET)
        best = cw.sort("weight", "to_code", descending=[True, False]).unique("from_code", keep="first")
        return {e: onet[o] for e, o in best.select("from_code", "to_code").iter_rows() if o in onet}
    return {}


def _neighbours(taxonomy: str, code: str) -> tuple[str, pl.DataFrame]:
    """Skill-graph neighbours in the taxonomy of the scores: ISCO-08 unit groups through
    their ESCO occupations (the closest ESCO neighbour outside the group counts)."""
    from exposure.graph import neighbours

    if taxonomy != "isco08":
        return taxonomy, neighbours(taxonomy, code, k=50)
    members = _esco_members(code)
    if not members:
        return taxonomy, pl.DataFrame()
    near = pl.concat([neighbours("esco", m, k=50) for m in members])
    return taxonomy, (
        near.with_columns(occupation_code=pl.col("occupation_code").str.slice(0, 4))
        .filter(pl.col("occupation_code") != code)
        .group_by("occupation_code")
        .agg(pl.col("skill_overlap").max(), pl.col("task_similarity").max(), pl.col("similarity").max())
        .with_columns(title=pl.col("occupation_code").replace_strict(_titles("isco08"), default=None))
        .sort(["similarity", "occupation_code"], descending=[True, False])
    )


def _moves(scores: Scores, taxonomy: str, code: str, own_percentile: float, max_zone_step: int = MAX_ZONE_STEP,
           near: pl.DataFrame | None = None) -> Moves:
    rule = (f"at least {SAFER_BY_PERCENTILE:.0f} percentile points less offshorable, at most {max_zone_step} "
            f"{'Job Zone' if taxonomy == 'onet' else 'skill level'} up, sharing at least {MIN_SKILL_OVERLAP:.0%} "
            f"of skills")
    zones, wages = _job_zones(taxonomy), _wages(taxonomy)
    own_zone, own_wage = zones.get(code), wages.get(code)
    base = Moves(rule, job_zone=own_zone, median_wage=own_wage)
    if taxonomy == "isco08" and not _esco_members(code):
        base.note = "no ESCO occupation links this unit group to the skill graph"
        return base
    if near is None or near.is_empty():
        base.note = "this occupation is not in the skill graph"
        return base
    occ = scores.occupations.filter(pl.col("taxonomy") == taxonomy)
    ranked = percentiles(occ, "offshorability").select(
        "occupation_code", offshorability="value", percentile=(pl.col("percentile") * 100).round(1))
    cand = near.select("occupation_code", "title", "similarity", "skill_overlap").join(
        ranked, on="occupation_code", how="inner")
    cand = cand.filter(
        (pl.col("percentile") <= own_percentile - SAFER_BY_PERCENTILE) & (pl.col("skill_overlap") >= MIN_SKILL_OVERLAP)
    )
    if own_zone is not None:
        cand = cand.filter(pl.col("occupation_code").replace_strict(zones, default=None, return_dtype=pl.Int64)
                           <= own_zone + max_zone_step)
    cand = cand.sort(["similarity", "occupation_code"], descending=[True, False]).head(N_MOVES)
    if own_percentile <= LOWEST_QUARTER:
        base.note = "already in the lowest quarter of offshorability"
    elif cand.is_empty():
        base.note = "no nearby occupation is clearly less offshorable within reach"
    skill_tax = "esco" if taxonomy == "isco08" else taxonomy
    own_codes = _esco_members(code) if taxonomy == "isco08" else (code,)
    own_held = _held(skill_tax, own_codes)
    own_ids = set(own_held["skill_id"])
    for r in cand.iter_rows(named=True):
        other = _esco_members(r["occupation_code"]) if taxonomy == "isco08" else (r["occupation_code"],)
        held = _held(skill_tax, other).filter(pl.col("kind").is_in(PLAIN_KINDS)).sort(
            ["weight", "skill_id"], descending=[True, False])
        zone = zones.get(r["occupation_code"])
        wage = wages.get(r["occupation_code"])
        base.moves.append(Move(
            taxonomy, r["occupation_code"], r["title"], round(r["similarity"], 4), round(r["skill_overlap"], 4),
            r["offshorability"], r["percentile"], round(own_percentile - r["percentile"], 1),
            r["percentile"] <= LOWEST_QUARTER, zone,
            None if zone is None or own_zone is None else zone - own_zone,
            wage, None if wage is None or own_wage is None else round(wage - own_wage, 0),
            held.filter(pl.col("skill_id").is_in(own_ids))["label"].head(N_SHARED).to_list(),
            held.filter(~pl.col("skill_id").is_in(own_ids))["label"].head(N_SHARED).to_list(),
        ))
    return base


def _kinds(tasks: list[Task], keep) -> list[str]:
    """Short descriptions of the kinds of work in these tasks (their work activities)."""
    out = []
    for t in tasks:
        if not keep(t):
            continue
        for w in t.why:
            m = re.match(r'it is a kind of "(.*?)"', w)
            if m and m.group(1).lower() not in (x.lower() for x in out):
                out.append(m.group(1))
                break
    return out[:3]


def _summary(occupation: dict[str, Any], scores: list[Construct], row: dict[str, Any], tasks: Tasks,
             skills: Skills) -> Summary:
    off = next(c for c in scores if c.name == "offshorability")
    share = row.get("share_high_offshorability")
    can_move = _kinds(tasks.most_exposed, lambda t: t.offshorability >= HIGH_TASK)
    stays = _kinds(tasks.least_exposed, lambda t: t.offshorability <= LOW_TASK)
    title = occupation["title"]
    sentences = [f"{title}: {off.band} exposure to offshoring (more exposed than {min(off.percentile, 99):.0f}% of "
                 f"occupations; score {off.score:.2f}, range {off.lo:.2f}-{off.hi:.2f})."]
    if share is not None:
        sentences.append(f"About {share:.0%} of the job's task weight could be done from abroad.")
    if can_move:
        sentences.append("Tasks that can move: " + "; ".join(k.lower() for k in can_move) + ".")
    if stays:
        sentences.append("Tasks that stay: " + "; ".join(k.lower() for k in stays) + ".")
    if not tasks.most_exposed:
        sentences.append("There is no task list for this occupation; the scores come from its group.")
    if skills.in_words:
        sentences.append(skills.in_words)
    return Summary(off.band, share, can_move, stays, skills.in_words or (skills.note or ""),
                   off.percentile <= LOWEST_QUARTER, sentences)


def _check(query: str) -> str:
    query = query.strip()
    if not query:
        raise InputError("give an occupation title or code")
    if len(query) > 500:
        raise InputError("that query is longer than 500 characters; give a title or a code")
    if any(not ch.isprintable() for ch in query) or query != query.encode("utf-8", "replace").decode("utf-8"):
        raise InputError("the query is not printable text; give an occupation title or code")
    return query


def lookup(query: str, scores: Scores, taxonomy: str = "onet", max_zone_step: int = MAX_ZONE_STEP) -> LookupResult:
    """Everything the adviser page shows for one title or code."""
    query = _check(query)
    match = resolve([query], taxonomy).row(0, named=True)
    if match["match_status"] == "unmatched":
        hint = (f"; the closest is {match['runner_up_title']!r} ({match['runner_up_code']})"
                if match["runner_up_code"] else "")
        raise InputError(f"no occupation matches {query!r}{hint}")
    if match["match_status"] == "ambiguous":
        raise InputError(
            f"{query!r} fits several occupations: {match['match_candidates'] or match['matched_title']}; "
            f"give a code or a more precise title"
        )
    tax, code = match["matched_taxonomy"], match["matched_code"]
    rows = scores.occupations.filter((pl.col("taxonomy") == tax) & (pl.col("occupation_code") == code))
    if rows.is_empty():
        raise InputError(f"{tax} {code} has no scores")
    row = rows.row(0, named=True)
    occupation = {"taxonomy": tax, "code": code, "title": row["title"], "n_tasks": row["n_tasks"],
                  "source": row["source"]}
    constructs = _scores(scores.occupations, tax, code)
    own_pct = next(c.percentile for c in constructs if c.name == "offshorability")
    try:
        _, near = _neighbours(tax, code)
    except InputError:  # not in the skill graph
        near = None
    moves = _moves(scores, tax, code, own_pct, max_zone_step, near)
    task_tax, task_codes, task_note = _task_source(tax, code)
    related = {m.code for m in moves.moves}
    if near is not None and near.height:
        related |= set(near["occupation_code"])
    tasks = _tasks(scores, task_tax, task_codes, task_note, related)
    skills = _skills(tax, code)
    return LookupResult(query, match, occupation, _summary(occupation, constructs, row, tasks, skills), constructs,
                        tasks, skills, moves)
