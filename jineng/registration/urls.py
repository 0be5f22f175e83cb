from django.urls import path

from jineng.registration import views

app_name = "registration"
urlpatterns = [
    path("", views.register, name="register"),
    path("confirm/", views.confirm, name="confirm"),
    path("confirm/resend/", views.resend, name="resend"),
    path("reset/", views.reset_request, name="reset"),
    path("reset/confirm/", views.reset_confirm, name="reset_confirm"),
    path("provider/<slug:key>/", views.provider_begin, name="provider_begin"),
    path("provider/<slug:key>/callback/", views.provider_callback, name="provider_callback"),
    path("verified/", views.verified, name="verified"),
    path("outbox/", views.sms_outbox, name="sms_outbox"),
]
