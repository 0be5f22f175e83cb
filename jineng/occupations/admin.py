"""Django admin for occupations and skill levels: reference data, read-only."""

from django.contrib import admin

from jineng.core.admin import ReadOnlyAdmin
from jineng.occupations.models import Occupation, SkillLevel


@admin.register(Occupation)
class OccupationAdmin(ReadOnlyAdmin):
    """The occupational classification (职业分类大典)."""

    list_display = ("code", "name", "level", "is_digital", "is_green", "edition")
    list_filter = ("level", "is_digital", "is_green", "edition")
    search_fields = ("code", "name")


@admin.register(SkillLevel)
class SkillLevelAdmin(ReadOnlyAdmin):
    """The skill-level ladder (技能等级)."""

    list_display = ("rank", "code", "name", "title")
    ordering = ("rank",)
