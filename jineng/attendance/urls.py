"""Routes of the attendance pages, under /attendance/."""

from django.urls import path

from jineng.attendance import views

app_name = "attendance"
urlpatterns = [
    path("", views.my_attendance, name="mine"),
    path("check-in/<str:code>/", views.check_in, name="check_in"),
    path("classes/<int:class_id>/", views.class_sheet, name="sheet"),
    path("manual-share/", views.manual_share, name="manual_share"),
    path("flagged/", views.flagged, name="flagged"),
    path("check-ins/<int:attendance_id>/review/", views.review, name="review"),
    path("classes/<int:class_id>/sheet.xlsx", views.class_sheet_xlsx, name="sheet_xlsx"),
    path("sessions/<int:session_id>/screen/", views.session_screen, name="screen"),
    path("sessions/<int:session_id>/code/", views.session_code, name="code"),
    path("sessions/<int:session_id>/manual/", views.manual_check_in, name="manual"),
]
