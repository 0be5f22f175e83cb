"""Reads of online learning: statement queries, online minutes and record entries.

One module per concern: ``statements`` (the filters and pages of a statement query),
``formats`` (the ids, exact and canonical formats and their languages), ``resources`` (the
Activities and document resources, the platforms), ``credit`` (the one rule of crediting a
class's online minutes) and ``records`` (a person's learning on their lifelong record). The
names below are the app's reads; import them from ``jineng.learning.queries``.
"""

from jineng.learning.queries.credit import (
    IN_PERSON,
    MAX_SECONDS_A_DAY,
    OUTSIDE_DATES,
    TIME_VERBS,
    UNREGISTERED,
    Uncounted,
    credited,
    not_registered_reason,
    online_minutes,
    online_part_minutes,
    registered_for_class,
    uncounted_in_class,
)
from jineng.learning.queries.formats import (
    accepted_languages,
    best_language,
    formatted,
    formatted_page,
)
from jineng.learning.queries.records import record_entries
from jineng.learning.queries.resources import (
    activity_definition,
    activity_definitions,
    documents_of,
    merge_definitions,
    platforms_with_credentials,
)
from jineng.learning.queries.statements import (
    MAX_PAGE,
    StatementFilter,
    find_statements,
    get_statement,
)

__all__ = [
    "IN_PERSON",
    "MAX_PAGE",
    "MAX_SECONDS_A_DAY",
    "OUTSIDE_DATES",
    "TIME_VERBS",
    "UNREGISTERED",
    "StatementFilter",
    "Uncounted",
    "accepted_languages",
    "activity_definition",
    "activity_definitions",
    "best_language",
    "credited",
    "documents_of",
    "find_statements",
    "formatted",
    "formatted_page",
    "get_statement",
    "merge_definitions",
    "not_registered_reason",
    "online_minutes",
    "online_part_minutes",
    "platforms_with_credentials",
    "record_entries",
    "registered_for_class",
    "uncounted_in_class",
]
