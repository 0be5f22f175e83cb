"""Forms of the training pages: programme, class and session, enrol, venue and teacher."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import TrainingType
from jineng.catalogs.forms import CatalogEntryField
from jineng.core.forms import YuanField
from jineng.core.scope import CHANGE
from jineng.occupations.forms import OccupationField, SkillLevelField
from jineng.occupations.models import Occupation
from jineng.regions.forms import TownField
from jineng.training.choices import ClassMode
from jineng.training.models import Teacher, Venue


class ProgrammeForm(forms.Form):
    """A programme (培训项目), its choices in words: occupation by code or name, level by
    name, fee in yuan, subsidised catalog entry by title. The cleaned data keeps the
    service's codes and fen (services.ProgrammeInput)."""

    name = forms.CharField(label=_("Programme name"), max_length=200)
    occupation_code = OccupationField(
        label=_("Occupation"),
        max_length=200,
        help_text=_("The code (e.g. 6-31-01-03) or exact name (e.g. 电工) in the classification."),
    )
    skill_level_code = SkillLevelField(label=_("Skill level"), required=False, blank=_("None"))
    training_type = forms.ChoiceField(label=_("Training type"), choices=TrainingType.choices)
    theory_hours = forms.IntegerField(label=_("Theory hours"), min_value=0, max_value=10000)
    practice_hours = forms.IntegerField(label=_("Practice hours"), min_value=0, max_value=10000)
    fee_fen = YuanField(label=_("Fee (yuan)"), initial=0)
    catalog_entry_key = CatalogEntryField(
        label=_("Subsidised catalog entry"),
        required=False,
        help_text=_(
            "Type part of the title, e.g. 电工, and choose the entry; leave empty for a class "
            "that claims no subsidy."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry_field = self.fields["catalog_entry_key"]
        assert isinstance(entry_field, CatalogEntryField)
        entry_field.load()

    def clean_occupation_code(self) -> str:
        occupation = self.cleaned_data.get("occupation_code")
        return occupation.code if isinstance(occupation, Occupation) else ""


class SessionForm(forms.Form):
    """One session: day, times, venue, teacher."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    teacher = forms.ModelChoiceField(
        label=_("Teacher"), queryset=Teacher.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "region_code" in self.fields:
            town_field = self.fields["region_code"]
            assert isinstance(town_field, TownField)
            town_field.load()
        venue_field = self.fields["venue"]
        teacher_field = self.fields["teacher"]
        assert isinstance(venue_field, forms.ModelChoiceField)
        assert isinstance(teacher_field, forms.ModelChoiceField)
        # The venues and teachers the user may book: their own institution's (core.scope).
        venue_field.queryset = Venue.objects.visible_to(user, CHANGE).order_by("name", "pk")
        teacher_field.queryset = Teacher.objects.visible_to(user, CHANGE).order_by("name", "pk")


class ClassForm(SessionForm):
    """A class with its first session."""

    code = forms.CharField(label=_("Class code"), max_length=40)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10000)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=_("Mode"), choices=ClassMode.choices)
    region_code = TownField(
        label=_("Township"),
        required=False,
        help_text=_("Type its name or code and choose it from the list."),
    )
    field_order = ["code", "capacity", "starts_on", "ends_on", "mode", "region_code"]

    def clean(self) -> dict[str, Any]:
        """Keep the places within the registered capacity of the first session's venue, and
        ask for the venue of an in-person or blended class's session (the service asks too)."""
        data = super().clean() or {}
        venue = data.get("venue")
        if venue is not None:
            self.check_seats(data, venue)
        elif "venue" in self.fields and data.get("mode", ClassMode.ONLINE) != ClassMode.ONLINE:
            self.add_error(
                "venue",
                _(
                    "Choose the venue the session is held in: every session of an in-person "
                    "or blended class is held in a registered venue."
                ),
            )
        return data

    def check_seats(self, data: dict[str, Any], venue: Venue) -> None:
        """Say beside the capacity when it exceeds the venue's registered capacity."""
        capacity = data.get("capacity")
        if capacity is not None and capacity > venue.capacity:
            self.add_error("capacity", seats_error(venue))


def seats_error(venue: Venue) -> str:
    """The refusal of more places than a venue seats, in words (the service refuses it too)."""
    return str(
        _(
            "Venue {venue} is registered for {seats} people: a class held there has at most "
            "{seats} places."
        )
    ).format(venue=venue.name, seats=venue.capacity)


class ClassEditForm(ClassForm):
    """A class's own fields; its sessions stay as they are, so their venues bound the places.

    ``smallest_venue`` is the venue of the class's sessions with the fewest seats, if any.
    """

    def __init__(self, *args: Any, smallest_venue: Venue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.smallest_venue = smallest_venue
        for name in ("day", "start", "end", "venue", "teacher"):
            del self.fields[name]

    def clean(self) -> dict[str, Any]:
        """Keep the places within the smallest venue the class's sessions use."""
        data = super().clean() or {}
        if self.smallest_venue is not None:
            self.check_seats(data, self.smallest_venue)
        return data


class EnrolForm(forms.Form):
    """Enrol one person by the citizen ID and name on their ID card."""

    id_number = forms.CharField(label=_("Citizen ID"), max_length=18, min_length=18)
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("As printed on the ID card."),
    )


class BulkEnrolForm(forms.Form):
    """Enrol the people listed in a csv or xlsx file (a 身份证号 column)."""

    file = forms.FileField(label=_("File (xlsx or csv, with 身份证号 and 姓名 columns)"))


class NoteForm(forms.Form):
    """A note for a transition or the 结业 result."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea)


class VenueForm(forms.Form):
    """A training venue (培训场地) of the institution."""

    name = forms.CharField(label=_("Venue name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    region_code = TownField(
        label=_("Township or village"),
        required=False,
        help_text=_("Type its name or code and choose it from the list."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    capacity = forms.IntegerField(label=_("Registered capacity"), min_value=1, max_value=100000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        town_field = self.fields["region_code"]
        assert isinstance(town_field, TownField)
        town_field.load()

    def clean(self) -> dict[str, Any]:
        """Require latitude and longitude together."""
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if "latitude" in data and "longitude" in data and (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return data


class TeacherForm(forms.Form):
    """A teacher (师资) of the institution."""

    name = forms.CharField(label=_("Name"), max_length=50)
    qualification = forms.CharField(
        label=_("Qualification"),
        max_length=200,
        required=False,
        help_text=_("e.g. 高级技师, or a certificate's title."),
    )
