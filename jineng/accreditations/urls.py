"""Routes of the accreditation pages, under /accreditations/."""

from django.urls import path

from jineng.accreditations import views

app_name = "accreditations"
urlpatterns = [
    path("", views.accreditation_list, name="list"),
    path("<int:accreditation_id>/", views.accreditation_detail, name="detail"),
    path("<int:accreditation_id>/suspend", views.accreditation_suspend, name="suspend"),
    path("<int:accreditation_id>/lift", views.accreditation_lift, name="lift"),
    path("<int:accreditation_id>/withdraw", views.accreditation_withdraw, name="withdraw"),
    path("applications/", views.application_list, name="applications"),
    path("applications/new", views.application_create, name="apply"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path(
        "applications/<int:application_id>/approve",
        views.application_approve,
        name="approve",
    ),
    path("applications/<int:application_id>/reject", views.application_reject, name="reject"),
    path(
        "applications/<int:application_id>/documents",
        views.document_add,
        name="document_add",
    ),
    path(
        "applications/<int:application_id>/documents/<int:document_id>",
        views.document_download,
        name="document",
    ),
]
