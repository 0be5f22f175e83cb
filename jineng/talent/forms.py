"""Forms of the talent pages, in people's words: parsing and labels, never a write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.accounts.actors import Viewer
from jineng.core.errors import ValidationFailed
from jineng.core.validators import parse_citizen_id
from jineng.occupations.forms import OccupationField, SkillLevelField
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization
from jineng.people import access as people_access
from jineng.people.models import Person
from jineng.regions.forms import TownField
from jineng.talent.choices import CompetitionLevel, Prize, StudioKind
from jineng.talent.models import AwardTitle

_DATE = forms.DateInput(attrs={"type": "date"})


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=_DATE, **kwargs)


class PersonLookupMixin(forms.Form):
    """Find a person by the citizen ID and name on their ID card, within the viewer's scope."""

    person_prefix = ""

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def find_person(self, id_field: str, name_field: str) -> Person | None:
        """Return the person whose ID and name match and whom the viewer may see, or None."""
        id_number = self.cleaned_data.get(id_field, "")
        name = self.cleaned_data.get(name_field, "")
        if not id_number or not name:
            return None
        try:
            parse_citizen_id(id_number)
        except ValidationFailed as error:
            self.add_error(id_field, str(error.detail))
            return None
        found = people_access.find_person_by_identity(id_number, name)
        if found is None or not people_access.is_visible_to(self.viewer, found):
            self.add_error(id_field, _("Nobody registered has this ID number with this name."))
            return None
        return found


def _id_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=18,
        min_length=18,
        help_text=_("The 18 characters on the ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class AwardTitleForm(forms.Form):
    """An award given in rounds, such as 梅河口技能名师."""

    code = forms.SlugField(
        label=_("Short code"),
        max_length=50,
        help_text=_("Letters, digits and hyphens, e.g. mhk-master."),
    )
    name = forms.CharField(label=_("Name of the award"), max_length=100)
    description = forms.CharField(
        label=_("What it honours"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundForm(forms.Form):
    """A new round of an award: which award, when nominations are taken, how long the notice."""

    title = forms.ModelChoiceField(
        label=_("Award"), queryset=AwardTitle.objects.filter(is_active=True)
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.CharField(
        label=_("Period (optional)"),
        max_length=30,
        required=False,
        help_text=_("Only when there is more than one round a year, e.g. 上半年."),
    )
    nominations_open_on = _date_field(_("Nominations open on"))
    nominations_close_on = _date_field(_("Nominations close on"))
    notice_days = forms.IntegerField(
        label=_("Days of public notice"), min_value=1, max_value=60, initial=7
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class NominationForm(PersonLookupMixin):
    """Put a person forward: who, for which occupation, by which organisation, and why."""

    id_number = _id_field(_("Nominee's ID number"))
    name = forms.CharField(label=_("Nominee's name"), max_length=50)
    occupation = OccupationField(label=_("Occupation (optional)"), max_length=200, required=False)
    nominated_by_organization = forms.ModelChoiceField(
        label=_("Nominated by (organisation, optional)"),
        queryset=Organization.objects.none(),
        required=False,
    )
    statement = forms.CharField(
        label=_("Why this person deserves the award"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, viewer=viewer, **kwargs)
        field = self.fields["nominated_by_organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.visible_to(viewer).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person"] = self.find_person("id_number", "name")
        return data


class DecisionForm(forms.Form):
    """The review decision on a nomination, with the reason (needed to reject)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    """A reason the record keeps."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    """How the bureau resolves an objection, and why."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("dismissed", _("Dismiss: the nominee stays")),
            ("upheld", _("Uphold: withdraw the nominee")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    """An objection to a nominee on public notice, from anyone, with a way to reach them."""

    nominee = forms.TypedChoiceField(label=_("Which nominee"), coerce=int, choices=())
    objector_name = forms.CharField(label=_("Your name"), max_length=50)
    contact = forms.CharField(
        label=_("Phone or email to reach you"),
        max_length=100,
        help_text=_("The bureau uses it only to ask about and answer your objection."),
    )
    text = forms.CharField(
        label=_("What is wrong, with any facts you know"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, nominees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *nominees]


class StudioForm(PersonLookupMixin):
    """A master studio as the bureau recognises it."""

    kind = forms.ChoiceField(label=_("Kind of studio"), choices=StudioKind.choices)
    name = forms.CharField(label=_("Name of the studio"), max_length=200)
    host = forms.ModelChoiceField(
        label=_("Host organisation"), queryset=Organization.objects.none()
    )
    master_id_number = _id_field(_("Master's ID number"))
    master_name = forms.CharField(label=_("Master's name"), max_length=50)
    occupation = OccupationField(label=_("Occupation"), max_length=200)
    recognised_on = _date_field(_("Recognised on"))

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, viewer=viewer, **kwargs)
        field = self.fields["host"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.visible_to(viewer).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["master"] = self.find_person("master_id_number", "master_name")
        return data


class ApprenticeForm(PersonLookupMixin):
    """An apprentice joining a studio."""

    id_number = _id_field(_("Apprentice's ID number"))
    name = forms.CharField(label=_("Apprentice's name"), max_length=50)
    started_on = _date_field(_("Started on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person"] = self.find_person("id_number", "name")
        return data


class EndApprenticeshipForm(forms.Form):
    """The day an apprenticeship ended."""

    ended_on = _date_field(_("Ended on"))


class CompetitionForm(forms.Form):
    """A skills competition: its name, level, occupations, dates and organiser."""

    name = forms.CharField(label=_("Name of the competition"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=CompetitionLevel.choices)
    occupations = forms.CharField(
        label=_("Occupations"),
        max_length=500,
        help_text=_(
            "Codes from the classification, separated by commas, e.g. 6-31-01-03, 6-18-02-04."
        ),
    )
    starts_on = _date_field(_("Starts on"))
    ends_on = _date_field(_("Ends on"))
    organizer = forms.CharField(label=_("Organiser"), max_length=200)

    def clean_occupations(self) -> list[Occupation]:
        codes = [c.strip() for c in self.cleaned_data["occupations"].replace("，", ",").split(",")]
        codes = [c for c in codes if c]
        found = {o.code: o for o in Occupation.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown or not codes:
            raise forms.ValidationError(
                _("No occupation has the code: %(codes)s."), params={"codes": ", ".join(unknown)}
            )
        return [found[c] for c in dict.fromkeys(codes)]


class EntryForm(PersonLookupMixin):
    """One entrant's result."""

    id_number = _id_field(_("Entrant's ID number"))
    name = forms.CharField(label=_("Entrant's name"), max_length=50)
    occupation = forms.ModelChoiceField(label=_("Occupation"), queryset=Occupation.objects.none())
    rank = forms.IntegerField(label=_("Place (optional)"), min_value=1, required=False)
    prize = forms.ChoiceField(label=_("Prize"), choices=Prize.choices, initial=Prize.NONE)

    def __init__(self, *args: Any, viewer: Viewer, occupations: Any, **kwargs: Any) -> None:
        super().__init__(*args, viewer=viewer, **kwargs)
        field = self.fields["occupation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = occupations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person"] = self.find_person("id_number", "name")
        return data


class ApproveProposalForm(forms.Form):
    """Approval of a promotion: which accredited body issues it, at which level."""

    issuer = forms.ModelChoiceField(
        label=_("Issued by (accredited evaluation body)"), queryset=Organization.objects.none()
    )
    level = forms.ModelChoiceField(label=_("Level to certify"), queryset=SkillLevel.objects.none())
    reason = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, issuers: Any, levels: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        issuer = self.fields["issuer"]
        level = self.fields["level"]
        assert isinstance(issuer, forms.ModelChoiceField)
        assert isinstance(level, forms.ModelChoiceField)
        issuer.queryset = issuers
        level.queryset = levels


class GoalForm(forms.Form):
    """The bureau's target for the size of the pool in a year."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    target = forms.IntegerField(label=_("Target number of high-skill workers"), min_value=1)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PoolFilterForm(forms.Form):
    """Search the pool by occupation, level, township and employer."""

    occupation = OccupationField(label=_("Occupation"), max_length=200, required=False)
    level = SkillLevelField(label=_("Holds the level"), required=False)
    town = TownField(label=_("Township or street"), required=False)
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        town = self.fields["town"]
        assert isinstance(town, TownField)
        town.load()
        employer = self.fields["employer"]
        assert isinstance(employer, forms.ModelChoiceField)
        employer.queryset = Organization.objects.visible_to(viewer).order_by("name")

    def filters(self) -> dict[str, Any]:
        """The cleaned filters as queries.PoolFilters reads them (empty when invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "occupation": data["occupation"].code if data.get("occupation") else "",
            "level": data.get("level") or "",
            "town": data.get("town") or "",
            "employer": data["employer"].pk if data.get("employer") else None,
        }
