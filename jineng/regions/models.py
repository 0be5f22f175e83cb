"""Administrative regions (行政区划) with their official statistical codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    """Depth in the administrative hierarchy."""

    PROVINCE = 1, _("Province")
    CITY = 2, _("Prefecture")
    COUNTY = 3, _("County / county-level city")
    TOWN = 4, _("Township / subdistrict")
    VILLAGE = 5, _("Village / community")


class RegionQuerySet(models.QuerySet["Region"]):
    def within(self, region: Region) -> RegionQuerySet:
        """The region and every region below it (codes are hierarchical prefixes)."""
        return self.filter(code__startswith=region.code)

    def towns(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.TOWN)


class Region(models.Model):
    """Name one region (行政区划) by its 统计用区划代码: 2/4/6/9/12 digits by level."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def town(self) -> Region | None:
        """The township/subdistrict this region is or lies in."""
        if self.level == RegionLevel.TOWN:
            return self
        if self.level == RegionLevel.VILLAGE:
            return self.parent
        return None
