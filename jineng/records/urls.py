from django.urls import path

from jineng.records import views

app_name = "records"
urlpatterns = [
    path("mine/", views.my_record, name="mine"),
    path("mine/reveal/", views.my_reveal, name="mine_reveal"),
    path("mine/record.json", views.my_record_json, name="mine_json"),
    path("mine/record.pdf", views.my_record_pdf, name="mine_pdf"),
    path("mine/share/", views.share_create, name="share_create"),
    path("mine/share/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    path("shared/<str:token>/", views.shared_record, name="shared"),
    path("person/<int:pk>/record.json", views.person_record_json, name="person_json"),
    path("person/<int:pk>/record.pdf", views.person_record_pdf, name="person_pdf"),
]
