"""Change over time: O*NET occupations' task content and technology across 14 releases
(13.0, 2008-2009, to 29.2, 2025), scored with one model. See docs/history.md.

- :mod:`exposure.history.trajectories`: the per-occupation trajectories, re-survey marks,
  rewording matched out, technology e-skill shares (:func:`history`, cached);
- :mod:`exposure.history.outputs`: the CSV outputs, the first-look checks, the lookup line;
- :mod:`exposure.history.section`: the report section "Which identities are dissolving".
"""


def __getattr__(name: str):
    # imported on first use, so that the command line starts without the data layer
    if name in ("History", "history"):
        from exposure.history import trajectories

        return getattr(trajectories, name)
    raise AttributeError(name)
