"""Forms of the attendance pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.attendance.choices import ReviewDecision
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import ClassSession


class ManualCheckInForm(forms.Form):
    """Staff record a trainee's presence with the reason the trainee could not scan."""

    enrolment = forms.TypedChoiceField(label=_("Trainee"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required. Say why the trainee could not scan the code, e.g. no phone. "
            "Manual check-ins are marked as such and shown to reviewers."
        ),
    )

    def __init__(self, *args: Any, session: ClassSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enrolments = (
            session.training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED)
            .exclude(attendances__session=session)
            .select_related("person")
            .order_by("person__name", "pk")
        )
        cast(forms.ChoiceField, self.fields["enrolment"]).choices = [
            (
                e.pk,
                f"{e.person.name} ({e.person.id_number_masked})",
            )
            for e in enrolments
        ]


class CheckInForm(forms.Form):
    """What the check-in page posts: the signed scan ticket and the browser's location."""

    ticket = forms.CharField(widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    """A reviewer accepts or rejects a flagged check-in, always saying why."""

    # Given by the button pressed: 接受 or 不予认可.
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required. Say what you checked, e.g. the trainee confirmed by phone that they "
            "were there. A rejected check-in stays in the record and no longer counts."
        ),
    )
