from django.urls import path

from jineng.people import views, views_bulk

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("lookup/", views.person_lookup, name="lookup"),
    path("import/", views_bulk.import_upload, name="import"),
    path("import/history/", views_bulk.import_history, name="import_history"),
    path("import/<int:pk>/", views_bulk.import_job, name="import_job"),
    path("import/<int:pk>/errors.csv", views_bulk.import_errors, name="import_errors"),
    path("export/", views_bulk.export, name="export"),
    path("export/queue/", views_bulk.export_queue, name="export_queue"),
    path("export/<int:pk>/", views_bulk.export_job, name="export_job"),
    path("export/<int:pk>/download/", views_bulk.export_download, name="export_download"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("<int:pk>/memberships/", views.membership_add, name="membership_add"),
]
