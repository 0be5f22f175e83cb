"""Every write of training delivery, one module per concern.

``programmes``, ``venues`` (and teachers), ``classes`` (and their sessions), ``workflow``,
``enrolment``, ``places`` (the checks on a person's other places), ``bulk`` (enrolment from
a file) and ``completion``; ``common`` holds the steps several of them share.
"""

from jineng.training.errors import (
    AlreadyEnrolled,
    ApprovalRefused,
    ClassFull,
    DoubleBooked,
    NotAccredited,
    NotEligible,
    OverlappingEnrolment,
    SameProgrammeEnrolled,
)
from jineng.training.services.bulk import BulkResult, enrol_bulk
from jineng.training.services.classes import (
    ClassInput,
    SessionInput,
    add_session,
    create_class,
    remove_session,
    update_class,
)
from jineng.training.services.common import (
    needs_bureau_approval,
    too_early,
)
from jineng.training.services.completion import close_class
from jineng.training.services.enrolment import (
    enrol,
    enrol_by_id_card,
    enrol_identified,
    no_new_places,
    transfer,
    withdraw,
)
from jineng.training.services.places import check_other_places
from jineng.training.services.programmes import (
    ProgrammeInput,
    create_programme,
    update_programme,
)
from jineng.training.services.venues import (
    create_teacher,
    create_venue,
    update_teacher,
    update_venue,
)
from jineng.training.services.workflow import approval_problems, transition

__all__ = [
    "AlreadyEnrolled",
    "ApprovalRefused",
    "BulkResult",
    "ClassFull",
    "ClassInput",
    "DoubleBooked",
    "NotAccredited",
    "NotEligible",
    "OverlappingEnrolment",
    "ProgrammeInput",
    "SameProgrammeEnrolled",
    "SessionInput",
    "add_session",
    "approval_problems",
    "check_other_places",
    "close_class",
    "create_class",
    "create_programme",
    "create_teacher",
    "create_venue",
    "enrol",
    "enrol_bulk",
    "enrol_by_id_card",
    "enrol_identified",
    "needs_bureau_approval",
    "no_new_places",
    "remove_session",
    "too_early",
    "transfer",
    "transition",
    "update_class",
    "update_programme",
    "update_teacher",
    "update_venue",
    "withdraw",
]
