from django.urls import path

from app.moderation import audit_views, claim_views, reader_views, views

app_name = "moderation"
urlpatterns = [
    path("suggest/", reader_views.suggest, name="suggest"),
    path(
        "suggest/status/<str:token>/",
        reader_views.suggestion_status,
        name="suggestion_status",
    ),
    path("suggest/report/claim/<slug:slug>/", reader_views.flag_claim, name="flag_claim"),
    path("suggest/report/evidence/<int:pk>/", reader_views.flag_evidence, name="flag_evidence"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/queue/bulk/", views.bulk, name="bulk"),
    path("moderation/queue/<str:kind>/<int:pk>/", views.review, name="review"),
    path("moderation/queue/<str:kind>/<int:pk>/take/", views.take, name="take"),
    path("moderation/queue/<str:kind>/<int:pk>/release/", views.release, name="release"),
    path("moderation/queue/<str:kind>/<int:pk>/decide/", views.decide, name="decide"),
    path("moderation/claims/<int:pk>/", claim_views.claim_tools, name="claim"),
    path("moderation/claims/<int:pk>/verdict/", claim_views.verdict, name="verdict"),
    path("moderation/claims/<int:pk>/reply/", claim_views.reply, name="reply"),
    path("moderation/audit/", audit_views.audit_list, name="audit"),
    path("moderation/audit/export.csv", audit_views.audit_export, name="audit_export"),
]
