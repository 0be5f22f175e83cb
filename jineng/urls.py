"""URL routes: pages by app, the API under /api/v1/, probes."""

from django.contrib import admin
from django.urls import include, path

from jineng.core import audit_views
from jineng.core import views as core_views
from jineng.workspace import views as workspace_views
from jineng.workspace import views_auditor

urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/checkpoints/", audit_views.audit_checkpoints, name="audit_checkpoints"),
    *views_auditor.urlpatterns,
    path("accounts/", include("jineng.accounts.urls")),
    path("registration/", include("jineng.registration.urls")),
    path("people/", include("jineng.people.urls")),
    path("organizations/", include("jineng.organizations.urls")),
    path("records/", include("jineng.records.urls")),
    path("accreditations/", include("jineng.accreditations.urls")),
    path("catalogs/", include("jineng.catalogs.urls")),
    path("attendance/", include("jineng.attendance.urls")),
    path("training/", include("jineng.training.urls")),
    path("xapi/", include("jineng.learning.urls")),
    path("learning/", include("jineng.learning.console_urls")),
    # Keys, the did:web document and the status lists that certificate verifiers fetch.
    path("", include("jineng.certificates.public_urls")),
    path("certificates/", include("jineng.certificates.urls")),
    path("verify/", include("jineng.certificates.verify_urls")),
    path("experts/", include("jineng.experts.urls")),
    path("assessment/", include("jineng.assessment.urls")),
    path("talent/", include("jineng.talent.urls")),
    path("funds/", include("jineng.funds.urls")),
    path("subsidies/", include("jineng.subsidies.urls")),
    path("fraud/", include("jineng.fraud.urls")),
    path("statistics/", include("jineng.stats.urls")),
    path("notifications/", include("jineng.notifications.urls")),
    path("api/v1/", include("jineng.composition.urls")),
    path("admin/", admin.site.urls),
]
