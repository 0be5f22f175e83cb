"""Routes of the documents verifiers fetch (wellknown.py), mounted at the site's root."""

from django.urls import path

from jineng.certificates import wellknown

app_name = "credentials"
urlpatterns = [
    path(".well-known/jwks.json", wellknown.jwks, name="jwks"),
    path(".well-known/did.json", wellknown.did_document, name="did"),
    path("certificates/status/<str:purpose>", wellknown.status_list, name="status_list"),
]
