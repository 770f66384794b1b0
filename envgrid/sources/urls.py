from django.urls import path

from envgrid.sources import views

urlpatterns = [
    path("", views.source_list, name="source-list"),
    path("export.xlsx", views.source_export, name="source-export"),
    path("map/", views.source_map, name="source-map"),
    path("map/data/", views.source_map_data, name="source-map-data"),
    path("new/", views.source_create, name="source-create"),
    path("<int:pk>/", views.source_detail, name="source-detail"),
    path("<int:pk>/edit/", views.source_edit, name="source-edit"),
    path("<int:pk>/assign/", views.source_assign, name="source-assign"),
    path("responsibilities/", views.responsibility_list, name="source-responsibility-list"),
    path("responsibilities/export.xlsx", views.responsibility_export, name="source-responsibility-export"),
    path("responsibilities/<int:pk>/transfer/", views.responsibility_transfer, name="source-responsibility-transfer"),
    path("responsibilities/<int:pk>/end/", views.responsibility_end, name="source-responsibility-end"),
    path("coverage/", views.coverage, name="source-coverage"),
    path("coverage/export.xlsx", views.coverage_export, name="source-coverage-export"),
    path("coverage/assign/", views.coverage_assign, name="source-coverage-assign"),
    path("import/", views.import_start, name="source-import"),
    path("import/template/<slug:kind>.xlsx", views.import_template, name="source-import-template"),
    path("import/<int:pk>/", views.import_job, name="source-import-job"),
    path("import/<int:pk>/apply/", views.import_apply, name="source-import-apply"),
]
