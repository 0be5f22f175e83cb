"""The one definition of how people are filtered: the page, the API and exports all use it.

Filters narrow the people already in the viewer's scope. Exact citizen-ID and phone numbers
are not filters: finding someone by them is a lookup (``people.identity.look_up_people``),
sent in a POST body, audited with a purpose and limited per account, because a number
confirmed by a search is a number revealed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed
from jineng.people.models import PersonQuerySet, TargetGroup, TargetGroupMembership
from jineng.regions.models import Region

# The keys the page's query string, the API's query parameters and a queued export share.
FILTER_KEYS = ("name", "region_code", "target_group")
# Keys that once searched by number: refused, so that a caller who still sends them is told
# to look up instead of silently getting an unfiltered list.
NUMBER_KEYS = ("id_number", "phone")


def refuse_numbers(params: Mapping[str, Any]) -> None:
    """Refuse a full ID or phone number among search parameters (they belong in a lookup)."""
    for key in NUMBER_KEYS:
        if params.get(key):
            raise ValidationFailed(
                _("Look people up by full ID or phone number with a lookup, not a search."),
                field=key,
            )


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


@dataclass(frozen=True)
class PersonFilters:
    """Filters of the people list (人员查询); empty values filter nothing.

    ``name`` matches part of the name, case-insensitively; ``region_code`` a region and
    everything in it (a township code finds its villages' people too); ``target_group`` a
    target-group code, among memberships current today.
    """

    name: str = ""
    region_code: str = ""
    target_group: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PersonFilters:
        """Read the filters from request parameters, refusing unknown regions and groups."""
        refuse_numbers(params)
        filters = cls(**{key: _clean(params.get(key)) for key in FILTER_KEYS})
        filters.check()
        return filters

    def check(self) -> None:
        """Raise ValidationFailed naming the filter whose code is not known."""
        if len(self.name) > 50:
            raise ValidationFailed(_("A name has at most 50 characters."), field="name")
        if any(ch.isdigit() for ch in self.name):
            # A number typed into the name box would land in URLs and logs: look it up instead.
            raise ValidationFailed(
                _("A name has no digits: look people up by full ID or phone number instead."),
                field="name",
            )
        if self.region_code and not Region.objects.filter(code=self.region_code).exists():
            raise ValidationFailed(
                _("Region code {code} is not known.").format(code=self.region_code),
                field="region_code",
            )
        if self.target_group and not TargetGroup.objects.filter(code=self.target_group).exists():
            raise ValidationFailed(
                _("Target group {code} is not known.").format(code=self.target_group),
                field="target_group",
            )

    def apply(self, people: PersonQuerySet) -> PersonQuerySet:
        """Narrow a queryset of people (already scoped to the viewer) by every filter given."""
        if self.name:
            people = people.filter(name__icontains=self.name)
        if self.region_code:
            people = people.filter(region__code__startswith=self.region_code)
        if self.target_group:
            current = TargetGroupMembership.objects.current().filter(
                person=OuterRef("pk"), group__code=self.target_group
            )
            people = people.filter(Exists(current))
        return people

    def as_params(self) -> dict[str, str]:
        """The filters given, as request parameters (for links and queued exports)."""
        return {key: value for key, value in asdict(self).items() if value}
