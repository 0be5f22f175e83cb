"""Link statements to this site's people and training classes (关联档案).

A statement is about one of our people when its actor is an ``account`` whose ``homePage`` is
``JINENG_XAPI_ACCOUNT_HOMEPAGE`` and whose ``name`` is the person's id. It is about a training
class when ``context.extensions`` holds ``<homePage>/xapi/class`` with the class code, or when
``context.contextActivities.grouping`` holds the activity ``<homePage>/xapi/class/<code>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps

from jineng.learning.models import account_homepage
from jineng.people.access import registered_person_ids


def class_extension_iri() -> str:
    """Return the context extension IRI whose value is a training class code."""
    return account_homepage() + "/xapi/class"


def person_id_of(statement: dict[str, Any]) -> int | None:
    """Return the person id the actor names through this site's account, if it does."""
    account = statement["actor"].get("account")
    if not account or account.get("homePage") != account_homepage():
        return None
    name = account.get("name", "")
    return int(name) if name.isdigit() and len(name) < 18 else None


def class_code_of(statement: dict[str, Any]) -> str:
    """Return the training class code a statement's context names, or ''."""
    context = statement.get("context") or {}
    code = (context.get("extensions") or {}).get(class_extension_iri())
    if isinstance(code, str) and code:
        return code[:64]
    grouping = (context.get("contextActivities") or {}).get("grouping") or []
    prefix = class_extension_iri() + "/"
    for activity in grouping if isinstance(grouping, list) else [grouping]:
        if activity["id"].startswith(prefix) and len(activity["id"]) > len(prefix):
            return activity["id"][len(prefix) :][:64]
    return ""


def existing_people(person_ids: Iterable[int]) -> set[int]:
    """Return those of the ids that belong to registered people."""
    return registered_person_ids(person_ids)


def training_class_ids(codes: Iterable[str]) -> dict[str, int]:
    """Map class codes to training class ids, once the training app provides classes."""
    wanted = {code for code in codes if code}
    if not wanted or not apps.is_installed("jineng.training"):
        return {}
    try:
        model = apps.get_model("training", "TrainingClass")
    except LookupError:
        return {}
    return dict(model.objects.filter(code__in=wanted).values_list("code", "pk"))
