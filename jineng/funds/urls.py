"""Routes of the funds pages, under /funds/."""

from django.urls import path

from jineng.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.balances, name="balances"),
    path("ledger/", views.ledger, name="ledger"),
    path("budgets/new/", views.set_budget, name="set_budget"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/file/<slug:layout>/", views.payment_file, name="payment_file"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
