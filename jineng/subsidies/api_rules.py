"""REST endpoints of the policy's rules: the rule sets, one with its amounts, and the
simulation of a year under one (the bureau).

Claimants read the sets put in force; drafts answer 404 to them, like a missing set
(``rules.rule_sets_for``). Simulating is the bureau's (MANAGE_SUBSIDY_RULES).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.subsidies import rules, simulation
from jineng.subsidies.models import RuleAmount, RuleSet

router = Router(tags=["subsidies"])


class RuleAmountOut(Schema):
    kind: str
    skill_level: str | None = Field(description="The skill level's code, or null for any.")
    target_group: str | None = Field(description="The target group's code, or null for any.")
    unit: str
    amount_fen: int
    max_units: int | None
    note: str


class RuleSetOut(Schema):
    id: int
    number: int
    title: str
    source: str
    is_example: bool = Field(description="Example values for the demo city, not a policy.")
    status: str
    effective_from: datetime.date
    effective_until: datetime.date | None
    max_trainings_per_year: int | None
    once_per_occupation_level: bool
    no_lower_level_after_higher: bool
    min_insured_months: int | None
    upgrade_claim_months: int | None
    notice_days: int


class RuleSetDetailOut(RuleSetOut):
    amounts: list[RuleAmountOut]


class SimulationIn(Schema):
    year: int = Field(ge=2015, le=2100, description="The year to replay.")


class SplitOut(Schema):
    key: str
    label: str
    people: int
    cost_fen: int


class OutcomeOut(Schema):
    rule_set: dict[str, Any]
    cost_fen: int
    people: int
    lines: int
    by_kind: dict[str, int]
    refused: dict[str, int] = Field(description="Lines refused, by the rule that refused them.")
    by_group: list[SplitOut]
    by_town: list[SplitOut]


class SimulationOut(Schema):
    year: int
    completions: int
    certificates: int
    proposed: OutcomeOut
    in_force: OutcomeOut | None
    difference_fen: int | None


def _rule_set_out(rule_set: RuleSet) -> dict[str, Any]:
    return {name: getattr(rule_set, name) for name in RuleSetOut.model_fields if name != "id"} | {
        "id": rule_set.pk
    }


def _amount_out(amount: RuleAmount) -> dict[str, Any]:
    return {
        "kind": amount.kind,
        "skill_level": amount.skill_level.code if amount.skill_level else None,
        "target_group": amount.target_group.code if amount.target_group else None,
        "unit": amount.unit,
        "amount_fen": amount.amount_fen,
        "max_units": amount.max_units,
        "note": amount.note,
    }


@router.get(
    "/subsidies/rule-sets",
    response={200: list[RuleSetOut], **responses(401)},
    summary="List subsidy rule sets",
    url_name="subsidy_rule_set_list",
)
def list_rule_sets(request: HttpRequest) -> list[dict[str, Any]]:
    """List the rule sets the caller may read, newest first: all for the bureau, reviewers
    and auditors; those put in force for everyone else."""
    return [_rule_set_out(r) for r in rules.rule_sets_for(actor(request))]


@router.get(
    "/subsidies/rule-sets/{rule_set_id}",
    response={200: RuleSetDetailOut, **responses(400, 401, 404)},
    summary="Get a subsidy rule set",
    url_name="subsidy_rule_set_detail",
)
def get_rule_set(request: HttpRequest, rule_set_id: ObjectId) -> dict[str, Any]:
    """Return one rule set with its caps and amounts (404 for a draft the caller may not
    read)."""
    rule_set = rules.get_rule_set_for_user(actor(request), rule_set_id)
    return _rule_set_out(rule_set) | {
        "amounts": [_amount_out(a) for a in rules.amounts_of(rule_set)]
    }


@router.post(
    "/subsidies/rule-sets/{rule_set_id}/simulate",
    response={200: SimulationOut, **responses(400, 401, 403, 404)},
    summary="Simulate a year under a subsidy rule set",
    url_name="subsidy_rule_set_simulate",
)
def simulate_rule_set(
    request: HttpRequest, rule_set_id: ObjectId, payload: SimulationIn
) -> dict[str, Any]:
    """Replay a year's completions and certificates under the rule set, beside the rule set
    in force today: cost, people covered, split by target group and town. Writes nothing but
    the audit event; the bureau only."""
    user = actor(request)
    rule_set = rules.get_rule_set_for_user(user, rule_set_id)
    if not rules.may_manage(user):
        raise PermissionDenied(_("Only the bureau simulates rule sets."))
    if payload.year > timezone.localdate().year:
        raise ValidationFailed(_("A year to come has nothing to replay."), field="year")
    result = simulation.simulate(payload.year, rule_set.pk)
    simulation.record_simulation(result, actor=user)
    return result.as_dict()
