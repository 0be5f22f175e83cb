from django.urls import path

from jineng.registration import views

app_name = "registration"
urlpatterns = [
    path("outbox/", views.sms_outbox, name="sms_outbox"),
]
