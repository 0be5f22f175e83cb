"""Routes of the subsidies pages, under /subsidies/."""

from jineng.subsidies.views import claims, exports, rules

app_name = "subsidies"
urlpatterns = [*rules.urlpatterns, *claims.urlpatterns, *exports.urlpatterns]
