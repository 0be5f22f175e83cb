"""Routes of the organisation pages under /organizations/."""

from django.urls import path

from jineng.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create, name="create"),
    path("<int:organization_id>/", views.organization_detail, name="detail"),
    path("<int:organization_id>/edit/", views.organization_edit, name="edit"),
    path("<int:organization_id>/staff/new/", views.staff_create, name="staff_create"),
    path("<int:organization_id>/staff/", views.staff_action, name="staff_action"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/active/", views.account_active, name="account_active"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/password/", views.account_password, name="account_password"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
