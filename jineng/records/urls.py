from django.urls import path

from jineng.records import views

app_name = "records"
urlpatterns = [path("mine/", views.my_record, name="mine")]
