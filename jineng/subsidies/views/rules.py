"""Pages of subsidies: rules."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
