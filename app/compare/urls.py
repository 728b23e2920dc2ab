from django.urls import path

from app.compare import editor_views, element_views, views

app_name = "compare"
urlpatterns = [
    path("comparisons/<int:pk>/", views.comparison_detail, name="detail"),
    path("comparisons/<int:pk>/files/<str:name>", views.comparison_file, name="file"),
    # The workspace (editors): record, watch, review (and the queue), lower the wording, attach.
    path(
        "editor/claims/<slug:slug>/comparisons/new/",
        editor_views.comparison_new,
        name="new",
    ),
    path("editor/comparisons/awaiting-review/", editor_views.review_queue, name="review_queue"),
    path("editor/comparisons/<int:pk>/", editor_views.comparison_manage, name="manage"),
    path("editor/comparisons/<int:pk>/review/", editor_views.comparison_review, name="review"),
    path("editor/comparisons/<int:pk>/wording/", editor_views.comparison_lower, name="lower"),
    path("editor/comparisons/<int:pk>/attach/", editor_views.comparison_attach, name="attach"),
    # The library of reference elements: list, cut a new one from a frame, the images.
    path("editor/elements/", element_views.element_list, name="elements"),
    path("editor/elements/new/", element_views.element_new, name="element_new"),
    path("editor/elements/frame.png", element_views.element_frame, name="element_frame"),
    path("editor/elements/<int:pk>/crop.png", element_views.element_crop, name="element_crop"),
]
