"""The kinds of notification (通知类型): each event that tells an account something."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What happened; the title and body are written from the kind at read time."""

    CLASS_SUBMITTED = "class_submitted", _("Class submitted for approval")
    CLASS_APPROVED = "class_approved", _("Class approved")
    CLASS_RETURNED = "class_returned", _("Class returned")
    CLASS_CANCELLED = "class_cancelled", _("Class cancelled")
    ENROLMENT_PROMOTED = "enrolment_promoted", _("Seat offered from the waitlist")
    ENROLMENT_MADE = "enrolment_made", _("Enrolled in a class by an institution")
    CHECK_IN_REJECTED = "check_in_rejected", _("Check-in not counted")
    APPLICATION_APPROVED = "application_approved", _("Accreditation application approved")
    APPLICATION_REJECTED = "application_rejected", _("Accreditation application rejected")
    APPEAL_UPHELD = "appeal_upheld", _("Catalog appeal upheld")
    APPEAL_DISMISSED = "appeal_dismissed", _("Catalog appeal dismissed")
    IMPORT_SUCCEEDED = "import_succeeded", _("People import finished")
    IMPORT_FAILED = "import_failed", _("People import failed")
    SUBSIDY_LINE_CLAIMED = "subsidy_line_claimed", _("Subsidy claimed in your name")
    SUBSIDY_LINE_REMOVED = "subsidy_line_removed", _("Taken out of a subsidy claim")
    SUBSIDY_PAID = "subsidy_paid", _("Subsidy paid")
    SUBSIDY_HELD = "subsidy_held", _("Subsidy payment on hold")
