"""Routes of the funds pages, under /funds/."""

from django.urls import path

from jineng.funds import views
from jineng.funds.views import exports as export_views

app_name = "funds"
urlpatterns = [
    path("", views.balances, name="balances"),
    path("ledger/", views.ledger, name="ledger"),
    path("budgets/new/", views.set_budget, name="set_budget"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/file/", views.payment_file, name="payment_file"),
    path("payments/<int:payment_id>/reverse/", views.reverse_payment, name="reverse_payment"),
    path("recoveries/", views.recoveries, name="recoveries"),
    path("recoveries/<int:order_id>/recover/", views.record_recovery, name="record_recovery"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("ledger/export/", export_views.export_ledger, name="ledger_export"),
]
