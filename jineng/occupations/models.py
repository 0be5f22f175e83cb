"""The occupational classification (职业分类大典) and the skill-level ladder (技能等级)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OccupationLevel(models.IntegerChoices):
    """Depth in the classification."""

    MAJOR = 1, _("Major category")
    MIDDLE = 2, _("Middle category")
    SMALL = 3, _("Small category")
    OCCUPATION = 4, _("Occupation")


class Occupation(models.Model):
    """Name one node of the classification (职业(工种)), e.g. 6-29-03-01."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), choices=OccupationLevel)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    definition = models.TextField(_("definition"), blank=True)
    tasks = models.TextField(_("main tasks"), blank=True)
    aliases = models.JSONField(_("job-title aliases"), default=list, blank=True)
    is_digital = models.BooleanField(_("digital occupation (S)"), default=False)
    is_green = models.BooleanField(_("green occupation (L)"), default=False)
    edition = models.CharField(_("edition"), max_length=20, default="2022")

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SkillLevel(models.Model):
    """Name one rung of the skill-level ladder (技能等级), e.g. 五级/初级工."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("1 is the lowest rung.")
    )

    class Meta:
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name
