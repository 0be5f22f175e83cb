"""Routes of the funds pages, under /funds/."""

from django.urls import URLPattern

app_name = "funds"
urlpatterns: list[URLPattern] = []
