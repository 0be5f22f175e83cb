"""Routes of the statistics pages, under /statistics/."""

from django.urls import path

from jineng.stats import views

app_name = "statistics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("statistics.xlsx", views.export, name="export"),
    path("monthly-report.<str:fmt>", views.monthly_report, name="monthly_report"),
]
