from django.urls import path

from jineng.api.base import api

urlpatterns = [path("", api.urls)]
