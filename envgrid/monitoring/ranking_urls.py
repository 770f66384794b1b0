from django.urls import path

from envgrid.monitoring import ranking_views

urlpatterns = [
    path("rankings/", ranking_views.rankings_page, name="monitoring-rankings"),
    path("rankings/export/", ranking_views.rankings_export, name="monitoring-rankings-export"),
]
