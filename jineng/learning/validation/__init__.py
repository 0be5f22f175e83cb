"""Check xAPI 1.0.3 statements, agents and parameters; raise Malformed (400) on any fault.

One module per concern: ``values`` (IRIs, UUIDs, timestamps, durations, language maps,
mailboxes), ``agents`` (Agents, Groups, authorities and the key that names an agent) and
``statements`` (a whole statement and its stored form). Import the checks from
``jineng.learning.validation``; the error, ``Malformed``, lives in ``jineng.learning.errors``.
"""

from jineng.learning.validation.agents import agent_key, check_agent, check_authority
from jineng.learning.validation.statements import VOIDED, check_statement, normalise
from jineng.learning.validation.values import (
    check_iri,
    check_language_map,
    check_language_tag,
    check_mailbox,
    check_uuid,
    parse_duration,
    parse_timestamp,
)

__all__ = [
    "VOIDED",
    "agent_key",
    "check_agent",
    "check_authority",
    "check_iri",
    "check_language_map",
    "check_language_tag",
    "check_mailbox",
    "check_statement",
    "check_uuid",
    "normalise",
    "parse_duration",
    "parse_timestamp",
]
