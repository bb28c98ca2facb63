from django.contrib import admin
from django.urls import include, path

from cabas.api.api import api
from cabas.web.views.language import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
    path("", include("cabas.web.urls")),
]

handler403 = "cabas.web.views.errors.permission_denied"
handler404 = "cabas.web.views.errors.page_not_found"
handler500 = "cabas.web.views.errors.server_error"
