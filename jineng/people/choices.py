"""Choices for people: sex, household registration, education, employment."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class HukouType(models.TextChoices):
    """户籍 type."""

    AGRICULTURAL = "agricultural", _("Agricultural (农业户口)")
    NON_AGRICULTURAL = "non_agricultural", _("Non-agricultural (非农业户口)")
    RESIDENT = "resident", _("Unified resident (居民户口)")
    UNKNOWN = "unknown", _("Unknown")


class Education(models.TextChoices):
    """Highest education completed."""

    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary school")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary (初中)")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary (高中)")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational (中职/技校)")
    JUNIOR_COLLEGE = "junior_college", _("Junior college (大专/高职)")
    BACHELOR = "bachelor", _("Bachelor")
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    UNKNOWN = "unknown", _("Unknown")


class EmploymentStatus(models.TextChoices):
    """Current labour-market status."""

    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed / entrepreneur")
    UNEMPLOYED = "unemployed", _("Registered unemployed")
    FLEXIBLE = "flexible", _("Flexible employment")
    STUDENT = "student", _("Student")
    FARMING = "farming", _("Farming")
    RETIRED = "retired", _("Retired")
    UNKNOWN = "unknown", _("Unknown")


class MembershipSource(models.TextChoices):
    """Where evidence of a target-group membership came from."""

    SELF_DECLARED = "self_declared", _("Declared by the worker")
    BUREAU = "bureau", _("Human resources bureau")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation (残联)")
    VETERANS = "veterans", _("Veterans affairs (退役军人事务局)")
    RURAL_REVITALIZATION = "rural_revitalization", _("Rural revitalisation (乡村振兴)")
    EDUCATION = "education", _("Education bureau")
    EMPLOYER = "employer", _("Employer")
    IMPORT = "import", _("Bulk import")


class AffiliationKind(models.TextChoices):
    """How a person is tied to an organisation."""

    EMPLOYEE = "employee", _("Employee")
    TRAINEE = "trainee", _("Trainee")
    APPRENTICE = "apprentice", _("Apprentice")
    CANDIDATE = "candidate", _("Assessment candidate")


class AffiliationBasis(models.TextChoices):
    """What brought a person into an organisation's scope, which decides when the tie ends."""

    REGISTERED = "registered", _("Registered or imported by the organisation")
    ENROLLED = "enrolled", _("Enrolled in one of its classes")
