"""Routes of the experts pages, under /experts/."""

from django.urls import path  # noqa: F401

app_name = "experts"
urlpatterns: list = []
