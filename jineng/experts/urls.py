"""Routes of the judge pool's pages, under /experts/."""

from django.urls import path

from jineng.experts import views

app_name = "experts"
urlpatterns = [
    path("", views.expert_list, name="list"),
    path("new", views.expert_create, name="create"),
    path("me", views.my_expert, name="me"),
    path("<int:pk>/", views.expert_detail, name="detail"),
    path("<int:pk>/edit", views.expert_edit, name="edit"),
    path("<int:pk>/occupations", views.occupation_add, name="occupation_add"),
    path("<int:pk>/occupations/<int:entry_id>/end", views.occupation_end, name="occupation_end"),
    path("<int:pk>/qualifications", views.qualification_add, name="qualification_add"),
    path("<int:pk>/relations", views.relation_add, name="relation_add"),
    path("<int:pk>/deactivate", views.expert_deactivate, name="deactivate"),
    path("<int:pk>/reactivate", views.expert_reactivate, name="reactivate"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/new", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("draws/<int:pk>/cancel", views.draw_cancel, name="draw_cancel"),
]
