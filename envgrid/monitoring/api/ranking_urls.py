from django.urls import path

from envgrid.monitoring.api.rankings import RankingsView

urlpatterns = [
    path("rankings/", RankingsView.as_view(), name="api-rankings"),
]
