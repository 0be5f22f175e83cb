"""Django admin for attendance: read-only, since every check-in goes through the services."""

from django.contrib import admin

from jineng.attendance.models import Attendance
from jineng.core.admin import ReadOnlyAdmin


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    """Check-ins, with their method and flags, for operators."""

    list_display = ("enrolment", "session", "checked_in_at", "method", "is_flagged", "distance_m")
    list_filter = ("method", "is_flagged")
    list_select_related = ("enrolment__person", "enrolment__training_class", "session")
    date_hierarchy = "checked_in_at"
    raw_id_fields = ("enrolment", "session", "recorded_by")
