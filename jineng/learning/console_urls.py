"""Routes of the bureau's learning-platform pages under /learning/."""

from django.urls import path

from jineng.learning import views

app_name = "learning_console"
urlpatterns = [
    path("platforms/", views.platform_list, name="platforms"),
    path(
        "platforms/<int:pk>/registrations/",
        views.platform_registrations,
        name="platform_registrations",
    ),
    path("platforms/<int:pk>/credentials/", views.credential_create, name="credential_create"),
    path("credentials/<str:key>/revoke/", views.credential_revoke, name="credential_revoke"),
]
