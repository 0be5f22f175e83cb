"""The words of each kind of notification, rendered in the reader's language when read.

A notification stores its kind and a few parameters (a class code, an application number,
counts), never a sentence, so an account that switches language reads every notification in
the new one. Parameters name objects by their codes and numbers only: never a person's name,
citizen ID or phone (PIPL), since a text message leaves the system.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jineng.notifications.choices import NotificationKind as K

# Title and body of each kind; placeholders are the notification's parameters.
MESSAGES: dict[str, tuple[Promise, Promise]] = {
    K.CLASS_SUBMITTED: (
        _("Class {code} is waiting for approval"),
        _("{organization} submitted training class {code} for the bureau's approval."),
    ),
    K.CLASS_APPROVED: (
        _("Class {code} was approved"),
        _("The bureau approved training class {code}; it is open for enrolment."),
    ),
    K.CLASS_RETURNED: (
        _("Class {code} was returned"),
        _(
            "The bureau returned training class {code}. Read the note, correct the class and "
            "submit it again."
        ),
    ),
    K.CLASS_CANCELLED: (
        _("Class {code} was cancelled"),
        _("Training class {code} ({name}) was cancelled; your place in it has ended."),
    ),
    K.ENROLMENT_PROMOTED: (
        _("You have a seat in class {code}"),
        _(
            "A seat became free in training class {code} ({name}): you have moved from the "
            "waitlist to enrolled."
        ),
    ),
    K.ENROLMENT_MADE: (
        _("You were enrolled in class {code}"),
        _(
            "{organization} enrolled you in training class {code} ({name}), starting {day}. "
            "If you did not agree to this place, tell the human resources and social security "
            "bureau: nobody may be trained or subsidised in your name without you."
        ),
    ),
    K.CHECK_IN_REJECTED: (
        _("A check-in in class {code} does not count"),
        _(
            "A reviewer checked your check-in to a session of training class {code} ({name}) "
            "and did not accept it: it does not count toward your hours. The reason is on "
            "your attendance page."
        ),
    ),
    K.APPLICATION_APPROVED: (
        _("Accreditation application {number} was approved"),
        _(
            "The bureau approved accreditation application {number}; the licence is in the "
            "accreditation list."
        ),
    ),
    K.APPLICATION_REJECTED: (
        _("Accreditation application {number} was rejected"),
        _(
            "The bureau rejected accreditation application {number}. The reasons are on the "
            "application."
        ),
    ),
    K.APPEAL_UPHELD: (
        _("Your appeal on entry {key} was upheld"),
        _(
            "The bureau upheld your organisation's appeal on catalog entry {key}; the next "
            "catalog version puts it right."
        ),
    ),
    K.APPEAL_DISMISSED: (
        _("Your appeal on entry {key} was dismissed"),
        _(
            "The bureau dismissed your organisation's appeal on catalog entry {key}. The "
            "decision is in the change log."
        ),
    ),
    K.IMPORT_SUCCEEDED: (
        _("Import {number} finished"),
        _(
            "People import {number} finished: {created} added, {skipped} already registered, "
            "{bad_rows} rows with problems."
        ),
    ),
    K.IMPORT_FAILED: (
        _("Import {number} failed"),
        _("People import {number} wrote nothing. Open it to see why, then import the file again."),
    ),
    K.SUBSIDY_LINE_CLAIMED: (
        _("A subsidy was claimed in your name"),
        _(
            "A subsidy of {amount} yuan was claimed in your name (claim {number}). Confirm on "
            "your subsidies page that you attended and were assessed, or say it is not right."
        ),
    ),
    K.SUBSIDY_LINE_REMOVED: (
        _("Taken out of subsidy claim {number}"),
        _("Your line of {amount} yuan was taken out of subsidy claim {number}."),
    ),
    K.SUBSIDY_PAID: (
        _("Subsidy claim {number} was paid"),
        _("Subsidy claim {number} was paid: {amount} yuan in your name."),
    ),
    K.SUBSIDY_HELD: (
        _("Subsidy claim {number} is on hold"),
        _(
            "Payment of subsidy claim {number} in your name is on hold while it is checked. "
            "Your record says why."
        ),
    ),
}


class _Params(dict[str, Any]):
    """Parameters that render a missing one as a dash rather than failing."""

    def __missing__(self, key: str) -> str:
        return "—"


def render(kind: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """Return the title and body of a notification in the active language."""
    title, body = MESSAGES.get(kind, (_("Notification"), _("Something changed.")))
    values = _Params(params)
    return str(title).format_map(values), str(body).format_map(values)
