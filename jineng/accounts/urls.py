from django.contrib.auth import views as auth_views
from django.urls import path

from jineng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/enrol/", views.totp_enrol, name="totp_enrol"),
    path("security/second-factor/remove/", views.totp_remove, name="totp_remove"),
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("security-policy/", views.security_policy, name="security_policy"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
    path("audit/", views.audit_trail, name="audit"),
]
