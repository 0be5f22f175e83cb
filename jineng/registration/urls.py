from django.urls import path

from jineng.registration import views

app_name = "registration"
urlpatterns = [
    path("", views.register, name="register"),
    path("confirm/", views.confirm, name="confirm"),
    path("confirm/resend/", views.resend, name="resend"),
    path("reset/", views.reset_request, name="reset"),
    path("reset/confirm/", views.reset_confirm, name="reset_confirm"),
    path("outbox/", views.sms_outbox, name="sms_outbox"),
]
