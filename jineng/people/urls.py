from django.urls import path

from jineng.people.views import exports, imports, people

app_name = "people"
urlpatterns = [
    path("", people.person_list, name="list"),
    path("lookup/", people.person_lookup, name="lookup"),
    path("import/", imports.import_upload, name="import"),
    path("import/history/", imports.import_history, name="import_history"),
    path("import/<int:pk>/", imports.import_job, name="import_job"),
    path("import/<int:pk>/errors.csv", imports.import_errors, name="import_errors"),
    path("export/", exports.export, name="export"),
    path("export/queue/", exports.export_queue, name="export_queue"),
    path("export/<int:pk>/", exports.export_job, name="export_job"),
    path("export/<int:pk>/download/", exports.export_download, name="export_download"),
    path("<int:pk>/", people.person_detail, name="detail"),
    path("<int:pk>/reveal/", people.person_reveal, name="reveal"),
    path("<int:pk>/memberships/", people.membership_add, name="membership_add"),
]
