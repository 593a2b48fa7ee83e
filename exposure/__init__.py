"""exposure: how exposed occupations are to offshoring, task by task.

Data flows one way: taxonomy releases (``taxonomies``) -> canonical tables ->
embeddings -> task scores -> occupation scores -> skill graph -> reports.
"""

__version__ = "0.1.0"
