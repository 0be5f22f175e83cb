"""Routes of the certificates pages, under /certificates/."""

from django.urls import path

from jineng.certificates.views import console, holder

app_name = "certificates"
urlpatterns = [
    path("", console.certificate_list, name="list"),
    path("export", console.export, name="export"),
    path("<int:certificate_id>/", console.certificate_detail, name="detail"),
    path(
        "<int:certificate_id>/suspend",
        console.certificate_status,
        {"action": "suspend"},
        name="suspend",
    ),
    path(
        "<int:certificate_id>/revoke",
        console.certificate_status,
        {"action": "revoke"},
        name="revoke",
    ),
    path(
        "<int:certificate_id>/reinstate",
        console.certificate_status,
        {"action": "reinstate"},
        name="reinstate",
    ),
    path("<int:certificate_id>/pdf", holder.certificate_pdf, name="pdf"),
    path("<int:certificate_id>/credential.jwt", holder.credential_jwt, name="credential_jwt"),
    path("<int:certificate_id>/credential.json", holder.credential_json, name="credential_json"),
]
