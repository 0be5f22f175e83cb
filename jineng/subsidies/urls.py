"""Routes of the subsidies pages, under /subsidies/."""

from django.urls import URLPattern

app_name = "subsidies"
urlpatterns: list[URLPattern] = []
