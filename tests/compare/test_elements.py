"""The library of reference elements in the workspace, without a browser: cut an element
from an archived frame (checked against that frame), who may, and the element found by a
comparison recorded with it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from app.archive.models import ArtifactKind
from app.archive.storage import store_artifact
from app.compare import ladder, services
from app.compare.models import Comparison, ReferenceElement, RunStatus
from tests.compare.conftest import ELEMENT_TIME, HUD_BOX, SOURCE_SIZE, Clips
from tests.compare.helpers import archived
from tests.compare.test_editor import form_data
from tests.factories import CaptureFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

NEW = "/editor/elements/new/"
LIST = "/editor/elements/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def element_data(video: Any, **change: Any) -> dict[str, Any]:
    x, y, w, h = HUD_BOX
    data = {
        "video": video.pk,
        "time": "00:05",
        "x": str(x),
        "y": str(y),
        "width": str(w),
        "height": str(h),
        "label": "Minecraft hotbar",
        "notes": "",
        "action": "save",
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        return img.size


def test_an_editor_sees_the_frame_previews_the_crop_and_saves_the_element(
    alice: Any, clips: Clips
) -> None:
    video = archived(clips.source)
    client = signed_in(alice)
    page = client.get(NEW)
    assert page.status_code == 200 and "elements.js" in page.content.decode()
    # Step 1: the frame, extracted server-side from the archived file.
    shown = client.post(NEW, element_data(video, action="frame", x="", y="", width="", height=""))
    assert shown.status_code == 200
    frame_url = shown.context["frame_url"]
    assert (shown.context["frame_width"], shown.context["frame_height"]) == SOURCE_SIZE
    frame = client.get(frame_url)
    assert frame.status_code == 200 and png_size(frame.content) == SOURCE_SIZE
    # Step 2: the box, previewed as the crop.
    preview = client.post(NEW, element_data(video, action="preview"))
    assert preview.status_code == 200
    crop = client.get(preview.context["preview_url"])
    assert png_size(crop.content) == HUD_BOX[2:]
    assert not ReferenceElement.objects.exists()
    # Step 3: saved, through the service; listed with its thumbnail and where it was cut.
    saved = client.post(NEW, element_data(video))
    assert saved.status_code == 302 and saved["Location"] == LIST
    element = ReferenceElement.objects.get()
    assert (element.label, float(element.time), element.created_by) == (
        "Minecraft hotbar", ELEMENT_TIME, alice)  # fmt: skip
    assert (element.x, element.y, element.width, element.height) == HUD_BOX
    listing = client.get(LIST).content.decode()
    assert "Minecraft hotbar" in listing and "00:05" in listing
    assert (
        video.capture.source.url in listing and f"/editor/elements/{element.pk}/crop.png" in listing
    )
    thumb = client.get(f"/editor/elements/{element.pk}/crop.png")
    assert png_size(thumb.content) == HUD_BOX[2:]
    # The crop is the hotbar: the pixels of the frame inside the box.
    picture = np.asarray(Image.open(io.BytesIO(frame.content)).convert("RGB"))
    x, y, w, h = HUD_BOX
    cut = np.asarray(Image.open(io.BytesIO(thumb.content)).convert("RGB"))
    assert np.array_equal(cut, picture[y : y + h, x : x + w])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": "300"}, "outside the frame, which is 320 × 240 pixels"),
        ({"y": "235"}, "outside the frame"),
        ({"width": "8"}, "too small: at least 12 × 12 pixels"),
        ({"height": "5"}, "too small"),
        ({"time": "00:40"}, "beyond the end of the video"),
        ({"time": "soon"}, "is not a time"),
        ({"width": None}, "Give the box"),
        ({"label": "  "}, "Name the element"),
    ],
)
def test_a_bad_element_is_refused_with_a_clear_message(
    alice: Any, clips: Clips, change: dict[str, Any], message: str
) -> None:
    video = archived(clips.source)
    response = signed_in(alice).post(NEW, element_data(video, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReferenceElement.objects.exists()


def test_the_frame_and_crop_images_refuse_bad_input_with_4xx(alice: Any, clips: Clips) -> None:
    video = archived(clips.source)
    client = signed_in(alice)
    url = "/editor/elements/frame.png"
    assert client.get(url, {"video": "x", "t": "1"}).status_code == 400
    assert client.get(url, {"video": video.pk, "t": "99"}).status_code == 400
    assert client.get(url, {"video": video.pk, "t": "nan"}).status_code == 400
    assert client.get(url, {"video": video.pk, "t": "1", "box": "1,2,3"}).status_code == 400
    assert client.get(url, {"video": video.pk, "t": "1", "box": "300,0,50,50"}).status_code == 400
    assert client.get(url, {"video": 10**9, "t": "1"}).status_code == 404
    assert client.get("/editor/elements/999999/crop.png").status_code == 404


def test_an_element_on_an_archived_image(alice: Any, tmp_path: Path) -> None:
    picture = np.zeros((90, 160, 3), np.uint8)
    picture[10:40, 20:80] = (200, 30, 30)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    capture = CaptureFactory(source=SourceFactory(url="https://images.example/logo"))
    image = store_artifact(
        capture=capture, kind=ArtifactKind.IMAGE, name="logo.png", data=buffer.getvalue()
    )
    response = signed_in(alice).post(
        NEW, element_data(image, time="0", x="20", y="10", width="60", height="30", label="Logo")
    )
    assert response.status_code == 302
    element = ReferenceElement.objects.get()
    assert (element.video, float(element.time), element.width) == (image, 0.0, 60)
    thumb = signed_in(alice).get(f"/editor/elements/{element.pk}/crop.png")
    cut = np.asarray(Image.open(io.BytesIO(thumb.content)).convert("RGB"))
    assert cut.shape == (30, 60, 3) and (cut == (200, 30, 30)).all()


def test_only_editors_add_elements_contributors_see_the_library_of_what_they_may_see(
    alice: Any, carol: Any, mallory: Any, clips: Clips
) -> None:
    public = archived(clips.source, public=True)
    private = archived(clips.unrelated)  # no published evidence cites its source
    shown = services.element_create(
        label="hotbar", video=public, time=5.0, box=HUD_BOX, actor=alice
    )
    hidden = services.element_create(
        label="secret overlay", video=private, time=1.0, box=(0, 0, 40, 40), actor=alice
    )
    # The contributor: no drawing (the page, the frame images, the service), but the library.
    contributor = signed_in(carol)
    assert contributor.get(NEW).status_code == 403
    assert contributor.post(NEW, element_data(public)).status_code == 403
    frame = contributor.get("/editor/elements/frame.png", {"video": public.pk, "t": "1"})
    assert frame.status_code == 403
    with pytest.raises(services.ComparisonError, match="Only editors"):
        services.element_create(label="x", video=public, time=1.0, box=HUD_BOX, actor=carol)
    listing = contributor.get(LIST)
    assert listing.status_code == 200
    assert "hotbar" in listing.content.decode() and "secret overlay" not in listing.content.decode()
    assert NEW not in listing.content.decode()  # no link to a page it may not use
    assert contributor.get(f"/editor/elements/{shown.pk}/crop.png").status_code == 200
    assert contributor.get(f"/editor/elements/{hidden.pk}/crop.png").status_code == 404
    # A registered outsider: no workspace at all.
    outsider = signed_in(mallory)
    for url in (LIST, NEW, f"/editor/elements/{shown.pk}/crop.png"):
        assert outsider.get(url).status_code == 403
    # Anonymous: to the log-in page, nothing shown.
    anonymous = Client()
    for url in (LIST, NEW, f"/editor/elements/{shown.pk}/crop.png", "/editor/elements/frame.png"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.post(NEW, element_data(public)).status_code == 302
    assert ReferenceElement.objects.count() == 2


def test_the_comparison_form_links_the_library_and_offers_a_new_element(
    alice: Any, carol: Any, clips: Clips
) -> None:
    claim = ClaimFactory()
    page = signed_in(alice).get(f"/editor/claims/{claim.slug}/comparisons/new/").content.decode()
    assert f'href="{LIST}"' in page and f'href="{NEW}"' in page


def test_an_element_made_on_the_page_is_selected_in_a_comparison_and_found_in_the_output(
    alice: Any, clips: Clips, django_capture_on_commit_callbacks: Any
) -> None:
    cited = archived(clips.source)
    output = archived(clips.element_output)
    control = archived(clips.same_genre_plain)
    client = signed_in(alice)
    assert client.post(NEW, element_data(cited)).status_code == 302
    element = ReferenceElement.objects.get()
    claim = ClaimFactory()
    form = client.get(f"/editor/claims/{claim.slug}/comparisons/new/")
    assert f'value="{element.pk}"' in form.content.decode()  # selectable
    data = form_data(output, cited, same_genre=[control.pk], elements=[element.pk])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/editor/claims/{claim.slug}/comparisons/new/", data)
    assert response.status_code == 302
    comparison = Comparison.objects.get()
    assert list(comparison.elements.all()) == [element]
    services.comparison_run(comparison.pk)
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.SUCCEEDED, comparison.error_text
    (row,) = comparison.result["elements"]
    assert row["label"] == "Minecraft hotbar" and row["template_size"] == list(HUD_BOX[2:])
    assert row["tracks"], "the hotbar drawn on the page is found in the output"
    assert comparison.system_rung == ladder.Rung.REGION


def test_an_unreadable_archived_file_is_a_400_with_the_reason(alice: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    video = archived(broken)
    response = signed_in(alice).post(NEW, element_data(video, action="frame"))
    assert response.status_code == 400
    assert "could not be read as a video or image" in response.content.decode()
    frame = signed_in(alice).get("/editor/elements/frame.png", {"video": video.pk, "t": "0"})
    assert frame.status_code == 400


def test_the_library_pages_in_french(alice: Any, clips: Clips) -> None:
    video = archived(clips.source)
    client = signed_in(alice)
    page = client.get(f"/fr{NEW}", {"video": video.pk, "time": "00:05", "x": "300", "y": "0",
                                    "width": "50", "height": "50", "action": "preview"})  # fmt: skip
    text = page.content.decode()
    assert page.status_code == 400
    assert "Ajouter un élément de référence" in text and "Afficher l’image" in text
    assert "La zone sort de l’image, qui mesure 320 × 240 pixels." in text
    assert "Éléments de référence" in client.get(f"/fr{LIST}").content.decode()
