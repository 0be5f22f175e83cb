"""Check xAPI 1.0.3 Agents, Groups and authorities, and name an agent by one key."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from jineng.learning.validation.values import check_iri, check_mailbox, check_object, fail

AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


def _ifis(value: dict[str, Any], path: str) -> list[str]:
    found = [k for k in IFI_KEYS if k in value]
    for key in found:
        item, where = value[key], f"{path}.{key}"
        if key == "mbox":
            check_mailbox(item, where)
        if key == "mbox_sha1sum" and not (isinstance(item, str) and _SHA1.match(item)):
            raise fail(where, _("must be a SHA-1 hex digest"))
        if key == "openid":
            check_iri(item, where)
        if key == "account":
            account = check_object(item, where, frozenset({"homePage", "name"}))
            check_iri(account.get("homePage"), where + ".homePage")
            if not isinstance(account.get("name"), str) or not account["name"]:
                raise fail(where + ".name", _("must be a non-empty string"))
    return found


def check_authority(value: Any, path: str = "authority") -> dict[str, Any]:
    """Check an authority: an Agent, or (OAuth three-legged) an anonymous Group of two Agents."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        if any(key in value for key in IFI_KEYS):
            raise fail(path, _("an authority group must be anonymous"))
        members = value.get("member")
        if not isinstance(members, list) or len(members) != 2:
            raise fail(path + ".member", _("an authority group must have exactly two members"))
    return check_agent(value, path)


def check_agent(
    value: Any, path: str, *, group_allowed: bool = True, identified: bool = False
) -> dict[str, Any]:
    """Check an Agent or (if allowed) Group object.

    ``identified`` refuses an anonymous Group: a parameter that names whose statements or
    documents it means (agent) takes an Agent or an identified Group, one with an inverse
    functional identifier (xAPI 1.0.3 Part Three 2.1.3, 2.3, 2.4, 2.6).
    """
    kind = value.get("objectType", "Agent") if isinstance(value, dict) else None
    if kind == "Group" and group_allowed:
        group = check_object(value, path, GROUP_KEYS)
        found = _ifis(group, path)
        if len(found) > 1:
            raise fail(path, _("has more than one identifier"))
        if identified and not found:
            raise fail(path, _("must be an Agent or an identified Group, not an anonymous Group"))
        members = group.get("member")
        if not found and not isinstance(members, list):
            raise fail(path, _("an anonymous group must list its members"))
        for i, member in enumerate(members or []):
            check_agent(member, f"{path}.member[{i}]", group_allowed=False)
    elif kind == "Agent":
        agent = check_object(value, path, AGENT_KEYS)
        if len(_ifis(agent, path)) != 1:
            raise fail(path, _("must have exactly one identifier"))
    else:
        raise fail(path, _("must be an Agent or Group"))
    if "name" in value and not isinstance(value["name"], str):
        raise fail(path + ".name", _("must be a string"))
    return value


def agent_key(agent: dict[str, Any]) -> str:
    """Return the one string that identifies an agent or identified group."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        return "account:{home}|{name}".format(
            home=agent["account"]["homePage"], name=agent["account"]["name"]
        )
    return ""
