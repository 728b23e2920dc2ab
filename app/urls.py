from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("app.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("app.graph.api_urls")),
    path("api/v1/", include("app.disclosures.api_urls")),
    path("api/v1/", include("app.compare.api_urls")),
    path("api/v1/", include("app.api.urls")),
    path("", include("app.ledgerdata.urls")),
    path("", include("app.monitor.replay_urls")),
]
urlpatterns += i18n_patterns(
    path("", include("app.public.urls")),
    path("", include("app.archive.urls")),
    path("", include("app.accounts.urls")),
    path("", include("app.editor.urls")),
    path("", include("app.moderation.urls")),
    path("", include("app.monitor.urls")),
    path("", include("app.compare.urls")),
    path("", include("app.disclosures.urls")),
    path("", include("app.graph.urls")),
    path("", include("app.dashboards.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
