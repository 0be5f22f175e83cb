"""Routes of the fraud pages, under /fraud/."""

from django.urls import URLPattern

app_name = "fraud"
urlpatterns: list[URLPattern] = []
