"""Routes of public verification (证书查验), under /verify/: no login."""

from django.urls import path

from jineng.certificates.views import public

app_name = "verify"
urlpatterns = [
    path("", public.check, name="check"),
    path("<str:number>", public.certificate, name="certificate"),
]
