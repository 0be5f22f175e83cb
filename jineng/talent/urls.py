"""Routes of the talent pages, under /talent/."""

from django.urls import path  # noqa: F401

app_name = "talent"
urlpatterns: list = []
