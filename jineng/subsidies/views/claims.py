"""Pages of subsidies: claims."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
