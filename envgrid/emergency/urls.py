"""Duty roster (应急值班) and pollution-weather warnings (重污染天气预警): the emergency emission-reduction
list and its spot checks."""

from django.urls import path

from envgrid.emergency import views, views_duty

urlpatterns = [
    path("", views.emergency_home, name="emergency-home"),
    path("warnings/new/", views.warning_create, name="emergency-warning-create"),
    path("warnings/<int:pk>/", views.warning_detail, name="emergency-warning-detail"),
    path("warnings/<int:pk>/board/", views.warning_board, name="emergency-warning-board"),
    path("warnings/<int:pk>/activate/", views.warning_activate, name="emergency-warning-activate"),
    path("warnings/<int:pk>/change/", views.warning_change, name="emergency-warning-change"),
    path("warnings/<int:pk>/lift/", views.warning_lift, name="emergency-warning-lift"),
    path("warnings/<int:pk>/cancel/", views.warning_cancel, name="emergency-warning-cancel"),
    path("measures/", views.measure_list, name="emergency-measure-list"),
    path("measures/import/", views.measure_import, name="emergency-measure-import"),
    path("measures/template.xlsx", views.measure_template, name="emergency-measure-template"),
    path("checks/", views.check_list, name="emergency-check-list"),
    path("checks/<int:pk>/", views.check_detail, name="emergency-check-detail"),
    path("photos/<int:pk>/", views.check_photo, name="emergency-photo"),
    path("photos/<int:pk>/thumbnail/", views.check_photo, {"thumbnail": True}, name="emergency-photo-thumbnail"),
    path("duty/", views_duty.duty_today, name="emergency-duty-today"),
    path("duty/week/", views_duty.duty_week, name="emergency-duty-week"),
    path("duty/cell/<int:unit_id>/<str:day>/", views_duty.duty_cell, name="emergency-duty-cell"),
    path("duty/<int:pk>/remove/", views_duty.duty_remove, name="emergency-duty-remove"),
    path("duty/import/", views_duty.duty_import, name="emergency-duty-import"),
    path("duty/template.xlsx", views_duty.duty_template, name="emergency-duty-template"),
]
