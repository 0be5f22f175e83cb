"""Routes of the talent pages, under /talent/."""

from django.urls import path

from jineng.talent.views import awards, competitions, pool, public, studios

app_name = "talent"
urlpatterns = [
    path("", pool.pool, name="pool"),
    path("goals/", pool.goals, name="goals"),
    path("studios/", studios.studio_list, name="studios"),
    path("studios/<int:studio_id>/", studios.studio_detail, name="studio"),
    path("studios/<int:studio_id>/apprentices", studios.apprentice_add, name="apprentice_add"),
    path(
        "studios/<int:studio_id>/apprentices/<int:apprenticeship_id>/end",
        studios.apprenticeship_end,
        name="apprenticeship_end",
    ),
    path("competitions/", competitions.competition_list, name="competitions"),
    path(
        "competitions/<int:competition_id>/",
        competitions.competition_detail,
        name="competition",
    ),
    path("competitions/<int:competition_id>/entries", competitions.entry_add, name="entry_add"),
    path("competitions/<int:competition_id>/propose", competitions.propose, name="propose"),
    path("proposals/<int:proposal_id>/", competitions.proposal_detail, name="proposal"),
    path(
        "proposals/<int:proposal_id>/approve",
        competitions.proposal_approve,
        name="proposal_approve",
    ),
    path(
        "proposals/<int:proposal_id>/reject", competitions.proposal_reject, name="proposal_reject"
    ),
    path("rounds/", awards.round_list, name="rounds"),
    path("rounds/<int:round_id>/", awards.round_detail, name="round"),
    path("rounds/<int:round_id>/nominate", awards.nominate, name="nominate"),
    path("rounds/<int:round_id>/advance", awards.round_advance, name="round_advance"),
    path(
        "nominations/<int:nomination_id>/decide",
        awards.nomination_decide,
        name="nomination_decide",
    ),
    path(
        "objections/<int:objection_id>/resolve",
        awards.objection_resolve,
        name="objection_resolve",
    ),
    path("public/", public.public_rounds, name="public_rounds"),
    path("public/<int:pk>/notice", public.public_notice, name="public_notice"),
    path("public/<int:pk>/winners", public.public_winners, name="public_winners"),
]
