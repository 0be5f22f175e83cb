"""Routes of the xAPI record store under /xapi/ (platforms authenticate with HTTP Basic)."""

from django.urls import path

from jineng.learning import lrs

app_name = "learning"
urlpatterns = [
    path("about", lrs.about, name="about"),
    path("statements", lrs.statements, name="statements"),
    path("activities", lrs.activities, name="activities"),
    path("activities/state", lrs.state, name="state"),
    path("activities/profile", lrs.activity_profile, name="activity_profile"),
    path("agents", lrs.agents, name="agents"),
    path("agents/profile", lrs.agent_profile, name="agent_profile"),
]
