"""Routes of the training pages, under /training/."""

from django.urls import path

from jineng.training.views import classes, programmes, venues, worker

app_name = "training"
urlpatterns = [
    path("", classes.class_list, name="list"),
    path("programmes/", programmes.programmes, name="programmes"),
    path("programmes/<int:programme_id>/classes/new/", classes.class_create, name="create"),
    path("programmes/<int:programme_id>/edit/", programmes.programme_edit, name="programme_edit"),
    path("venues/", venues.venues, name="venues"),
    path("venues/<int:venue_id>/edit/", venues.venue_edit, name="venue_edit"),
    path("teachers/", venues.teachers, name="teachers"),
    path("teachers/<int:teacher_id>/edit/", venues.teacher_edit, name="teacher_edit"),
    path("classes/<int:class_id>/", classes.class_detail, name="detail"),
    path("classes/<int:class_id>/edit/", classes.class_edit, name="edit"),
    path("classes/<int:class_id>/transition/", classes.class_transition, name="transition"),
    path("classes/<int:class_id>/enrol/", classes.class_enrol, name="enrol"),
    path("classes/<int:class_id>/bulk/", classes.class_bulk, name="bulk"),
    path("classes/<int:class_id>/sessions/", classes.class_session, name="session"),
    path("approvals/", classes.approvals, name="approvals"),
    path("running/", classes.running, name="running"),
    path("find/", worker.find, name="find"),
    path("find/<int:class_id>/", worker.find_detail, name="find_detail"),
    path("find/<int:class_id>/enrol/", worker.find_enrol, name="find_enrol"),
    path("enrolments/<int:enrolment_id>/withdraw/", worker.withdraw, name="withdraw"),
    path("enrolments/<int:enrolment_id>/transfer/", classes.transfer, name="transfer"),
    path("mine/", worker.mine, name="mine"),
]
