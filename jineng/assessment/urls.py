"""Routes of the assessment pages, under /assessment/."""

from django.urls import path  # noqa: F401

app_name = "assessment"
urlpatterns: list = []
