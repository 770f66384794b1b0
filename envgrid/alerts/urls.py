from django.urls import path

from envgrid.alerts import views

urlpatterns = [
    path("", views.alert_list, name="alert-list"),
    path("<int:pk>/", views.alert_detail, name="alert-detail"),
    path("rules/", views.rule_list, name="alert-rule-list"),
    path("rules/new/", views.rule_create, name="alert-rule-create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="alert-rule-edit"),
]
