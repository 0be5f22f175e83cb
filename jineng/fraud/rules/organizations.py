"""Rules on networks of organisations (FRAUD_RULES.md E): R32 linked entities.

What jineng/organizations and jineng/accounts record links organisations: a shared address or
contact phone of the organisation, one mobile number kept by staff accounts of different
organisations, and one-time codes asked for from one client address by staff of different
organisations (the nearest the platform keeps to a shared login IP). A legal representative
and a bank account are not recorded yet; they join the links once organisations keep them.
The related-party claim (the institution and the employer of one claim are linked) waits for
claims that name both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count, Func, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import OneTimeCode, User
from jineng.fraud.rules.base import Evidence, Hit, Threshold, Window, evidence_rows, rule
from jineng.organizations.models import Organization
from jineng.training.models import TrainingClass

# What two organisations share, in words for the summary.
SHARED = {
    "address": _("address"),
    "phone": _("contact phone"),
    "staff_phone": _("a staff member's mobile number"),
    "login_address": _("the address codes were asked for from"),
}


def _squeezed(field: str) -> Func:
    """The field lower-cased without spaces, hyphens or full-width spaces, for comparing."""
    value: Func = Lower(field)
    for blank in (" ", "-", "\u3000"):
        value = Replace(value, Value(blank), Value(""))
    return value


def _organization_field(field: str) -> QuerySet[Any, tuple[Any, ...]]:
    """(organisation, value) for each organisation whose squeezed ``field`` another shares."""
    values = Organization.objects.annotate(shared=_squeezed(field)).exclude(shared="")
    shared = (
        values.values("shared")
        .annotate(n=Count("pk", distinct=True))
        .filter(n__gte=2)
        .values("shared")
    )
    return values.filter(shared__in=shared).values_list("pk", "shared")


def _by_value(rows: QuerySet[Any, Any], value: str, organization: str) -> QuerySet[Any, Any]:
    """(organisation, value) pairs where one ``value`` belongs to several organisations."""
    shared = (
        rows.values(value)
        .annotate(n=Count(organization, distinct=True))
        .filter(n__gte=2)
        .values(value)
    )
    return rows.filter(**{f"{value}__in": shared}).values_list(organization, value).distinct()


def _links(params: Mapping[str, Threshold]) -> dict[str, QuerySet[Any, Any]]:
    """The queries of shared values, by what is shared, as the thresholds switch them on."""
    staff = User.objects.filter(organization__isnull=False).exclude(phone_hash="")
    codes = OneTimeCode.objects.filter(user__organization__isnull=False).exclude(address_hash="")
    links = {
        "address": lambda: _organization_field("address"),
        "phone": lambda: _organization_field("contact_phone"),
        "staff_phone": lambda: _by_value(staff, "phone_hash", "organization_id"),
        "login_address": lambda: _by_value(codes, "address_hash", "user__organization_id"),
    }
    return {what: query() for what, query in links.items() if params.get(f"use_{what}", True)}


class _Clusters:
    """Organisations joined by shared values, merged into connected groups (union-find)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, node: int) -> int:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, members: list[int]) -> None:
        root = self.find(members[0])
        for member in members[1:]:
            self.parent[self.find(member)] = root

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = defaultdict(list)
        for node in self.parent:
            by_root[self.find(node)].append(node)
        return sorted(sorted(members) for members in by_root.values())


def _touched(window: Window) -> set[int] | None:
    """The organisations a window touches (None: every one)."""
    if window.since is None and not window.class_ids and not window.person_ids:
        return None
    touched: set[int] = set()
    if window.since is not None:
        since = window.since
        touched.update(
            Organization.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
        )
        touched.update(
            User.objects.filter(organization__isnull=False, date_joined__gte=since).values_list(
                "organization_id", flat=True
            )
        )
        touched.update(
            OneTimeCode.objects.filter(
                user__organization__isnull=False, created_at__gte=since
            ).values_list("user__organization_id", flat=True)
        )
    if window.class_ids or window.person_ids:
        classes = TrainingClass.objects.filter(
            Q(pk__in=window.class_ids) | Q(enrolments__person_id__in=window.person_ids)
        )
        touched.update(classes.values_list("programme__organization_id", flat=True))
    return {pk for pk in touched if pk is not None}


@rule(
    "R32",
    name=_("Linked entities"),
    action="flag",
    defaults={
        "min_cluster_size": 2,
        "use_address": True,
        "use_phone": True,
        "use_staff_phone": True,
        "use_login_address": True,
    },
    explanation=_(
        "Institutions or employers that share an address, a contact phone, a staff member's "
        "mobile number or the address one-time codes were asked for from. The linked "
        "organisations are reviewed together as one case."
    ),
)
def linked_entities(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    clusters = _Clusters()
    links: list[tuple[str, str, int]] = []  # (what is shared, the value, organisation)
    for what, shared in _links(params).items():
        sharing: dict[str, list[int]] = defaultdict(list)
        for organization_id, value in shared:
            sharing[value].append(organization_id)
            links.append((what, value, organization_id))
        for group in sharing.values():
            clusters.join(group)
    touched = _touched(window)
    least = int(params["min_cluster_size"])
    for members in clusters.groups():
        if len(members) < least or (touched is not None and touched.isdisjoint(members)):
            continue
        inside = set(members)
        # Number the shared values within the cluster: the evidence never shows them.
        numbers: dict[tuple[str, str], int] = {}
        rows: list[Evidence] = []
        for what, value, organization_id in sorted(links, key=lambda link: (link[0], link[2])):
            if organization_id not in inside:
                continue
            number = numbers.setdefault((what, value), len(numbers) + 1)
            rows.append({"organization_id": organization_id, "shares": what, "link": number})
        rows.sort(key=lambda row: (int(row["link"] or 0), int(row["organization_id"] or 0)))
        shown, count = evidence_rows(rows)
        kinds = sorted({what for what, _value in numbers})
        yield Hit(
            subject="organization",
            subject_id=members[0],
            key=f"cluster:{members[0]}",
            summary=gettext(
                "{count} organisations are linked by what they share ({links}): review them "
                "as one case."
            ).format(count=len(members), links=", ".join(str(SHARED[kind]) for kind in kinds)),
            evidence=shown,
            evidence_count=count,
            organization_ids=tuple(members),
        )
