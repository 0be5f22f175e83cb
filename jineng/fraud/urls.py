"""Routes of the fraud pages, under /fraud/."""

from django.urls import path

from jineng.fraud.views import alerts, exports, rules, scans

app_name = "fraud"
urlpatterns = [
    path("", alerts.alert_list, name="alert_list"),
    path("alerts/<int:alert_id>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/reveal", alerts.alert_reveal, name="alert_reveal"),
    path("alerts/<int:alert_id>/dispose", alerts.alert_dispose, name="alert_dispose"),
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/<str:code>/", rules.rule_detail, name="rule_detail"),
    path("scans/", scans.scan_start, name="scan_start"),
    path("scans/<int:pk>/", scans.scan_job, name="scan_job"),
    path("alerts/export/", exports.export_alerts, name="alert_export"),
]
