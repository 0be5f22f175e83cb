"""Routes of the assessment pages, under /assessment/."""

from django.urls import path

from jineng.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("new", views.session_create, name="create"),
    path("mine/", views.my_sessions, name="mine"),
    path("plans/", views.plans, name="plans"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:change_id>/decide", views.decide_change, name="decide_change"),
    path("<int:session_id>/", views.session_detail, name="session"),
    path("<int:session_id>/candidates/class", views.add_from_class, name="add_class"),
    path("<int:session_id>/candidates/apply", views.add_applicant, name="add_applicant"),
    path("<int:session_id>/file", views.file_plan, name="file"),
    path("<int:session_id>/supervisor", views.assign_supervisor, name="supervisor"),
    path("<int:session_id>/draw", views.draw, name="draw"),
    path("<int:session_id>/scores/<str:component>", views.score_grid, name="scores"),
    path("<int:session_id>/close", views.close, name="close"),
    path("<int:session_id>/issue", views.issue, name="issue"),
    path("<int:session_id>/findings", views.record_finding, name="finding"),
    path("<int:session_id>/changes", views.request_change, name="request_change"),
]
