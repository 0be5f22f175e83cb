"""Who sees what of a lifelong record (档案可见范围): the one place that decides it.

Whether a viewer may open a person's record at all is people.access's decision
(``get_person_for_user``); this module decides how much of it they then see. Every output of
the record (page, JSON download, API, PDF, shared link) reads it through
``records.queries.record_for`` or ``records.queries.shared_record``, which apply the scope
decided here.

- The worker themself and the bureau (city-wide roles, within the region people.access
  allows them) see everything, evidence included.
- An organisation's staff (institution, evaluator, employer) see only their own
  organisation's facts about the person, plus the eligibility they need: the target groups
  the person belongs to today, by name and end date, never the source, evidence or history,
  and nothing at all of a group flagged sensitive in the reference data.
- A shared link shows everything the worker has, masked, but target groups only when the
  worker chose to show them, and then like eligibility (today's groups, no evidence).
"""

from __future__ import annotations

from jineng.accounts.actors import Viewer
from jineng.accounts.models import User
from jineng.accounts.roles import ORGANIZATION_ROLES
from jineng.people.access import sees_sensitive_groups
from jineng.people.models import Person
from jineng.people.queries import EVERYTHING, GroupDisclosure, RecordScope
from jineng.records.models import ShareLink

# What an account without a role in the record sees: its registration line and nothing else.
NOTHING = RecordScope(
    organization_ids=frozenset(), groups=GroupDisclosure.NONE, sensitive_groups=False
)


def scope_for(viewer: Viewer | None, person: Person) -> RecordScope:
    """Decide how much of a person's record a signed-in viewer sees (档案可见范围)."""
    if not isinstance(viewer, User) or not viewer.is_active:
        return NOTHING
    if viewer.person_id is not None and viewer.person_id == person.pk:
        return EVERYTHING
    if sees_sensitive_groups(viewer):
        return EVERYTHING
    if viewer.role in ORGANIZATION_ROLES and viewer.organization_id:
        return RecordScope(
            organization_ids=frozenset({viewer.organization_id}),
            groups=GroupDisclosure.CURRENT,
            sensitive_groups=False,
        )
    return NOTHING


def shared_scope(link: ShareLink) -> RecordScope:
    """Decide what a share link shows: the worker's whole record, groups only if chosen."""
    groups = GroupDisclosure.CURRENT if link.shows_target_groups else GroupDisclosure.NONE
    return RecordScope(groups=groups, sensitive_groups=True)
