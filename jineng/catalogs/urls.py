"""Routes of the catalog pages: public reading under /catalogs/, the console, appeals."""

from django.urls import path, register_converter

from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.views import appeals, console, entries, public


class KindConverter:
    """Match only the four catalog kinds, so other paths fall through to their own views."""

    regex = "|".join(CatalogKind.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(KindConverter, "catalog_kind")

app_name = "catalogs"
urlpatterns = [
    path("", public.index, name="index"),
    path("versions/<int:pk>/", public.version_detail, name="version"),
    path("versions/<int:pk>/compare/", public.compare, name="compare"),
    path("versions/<int:pk>/download.<str:fmt>", public.version_download, name="version_download"),
    path("organizations/<int:pk>/", public.organization, name="organization"),
    path("console/", console.console, name="console"),
    path("console/new/", console.draft_new, name="draft_new"),
    path("console/import/", console.draft_import, name="draft_import"),
    path("console/register/", console.draft_from_register, name="draft_register"),
    path("console/versions/<int:pk>/", console.workbench, name="workbench"),
    path("console/versions/<int:pk>/details/", console.version_update, name="version_update"),
    path("console/versions/<int:pk>/submit/", console.version_submit, name="version_submit"),
    path("console/versions/<int:pk>/return/", console.version_return, name="version_return"),
    path("console/versions/<int:pk>/publish/", console.version_publish, name="version_publish"),
    path("console/versions/<int:pk>/discard/", console.version_discard, name="version_discard"),
    path("console/versions/<int:pk>/entries/new/", entries.entry_add, name="entry_add"),
    path("console/versions/<int:pk>/reasons/", entries.reasons_record, name="reasons_record"),
    path("console/entries/<int:pk>/", entries.entry_edit, name="entry_edit"),
    path("console/entries/<int:pk>/remove/", entries.entry_remove, name="entry_remove"),
    path("console/changes/<int:pk>/delete/", entries.change_delete, name="change_delete"),
    path("console/appeals/", appeals.appeal_queue, name="appeal_queue"),
    path("console/appeals/<int:pk>/", appeals.appeal_decide, name="appeal_decide"),
    path("appeals/", appeals.my_appeals, name="my_appeals"),
    path("changes/<int:pk>/appeal/", appeals.appeal_file, name="appeal_file"),
    path("<catalog_kind:kind>/", public.catalog, name="catalog"),
    path("<catalog_kind:kind>/changes/", public.changes, name="changes"),
    path("<catalog_kind:kind>/versions/", public.versions, name="versions"),
    path("<catalog_kind:kind>/history/", public.history, name="history"),
    path("<catalog_kind:kind>/download.<str:fmt>", public.download, name="download"),
]
