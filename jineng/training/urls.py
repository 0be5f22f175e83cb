"""Routes of the training pages, under /training/."""

from django.urls import path

from jineng.training import views, views_venues, views_worker

app_name = "training"
urlpatterns = [
    path("", views.class_list, name="list"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:programme_id>/classes/new/", views.class_create, name="create"),
    path("programmes/<int:programme_id>/edit/", views.programme_edit, name="programme_edit"),
    path("venues/", views_venues.venues, name="venues"),
    path("venues/<int:venue_id>/edit/", views_venues.venue_edit, name="venue_edit"),
    path("teachers/", views_venues.teachers, name="teachers"),
    path("teachers/<int:teacher_id>/edit/", views_venues.teacher_edit, name="teacher_edit"),
    path("classes/<int:class_id>/", views.class_detail, name="detail"),
    path("classes/<int:class_id>/edit/", views.class_edit, name="edit"),
    path("classes/<int:class_id>/transition/", views.class_transition, name="transition"),
    path("classes/<int:class_id>/enrol/", views.class_enrol, name="enrol"),
    path("classes/<int:class_id>/bulk/", views.class_bulk, name="bulk"),
    path("classes/<int:class_id>/sessions/", views.class_session, name="session"),
    path("approvals/", views.approvals, name="approvals"),
    path("running/", views.running, name="running"),
    path("find/", views_worker.find, name="find"),
    path("find/<int:class_id>/", views_worker.find_detail, name="find_detail"),
    path("find/<int:class_id>/enrol/", views_worker.find_enrol, name="find_enrol"),
    path("enrolments/<int:enrolment_id>/withdraw/", views_worker.withdraw, name="withdraw"),
    path("enrolments/<int:enrolment_id>/transfer/", views.transfer, name="transfer"),
    path("mine/", views_worker.mine, name="mine"),
]
