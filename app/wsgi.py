import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
django_application = get_wsgi_application()

from app.core.wsgi_body import BodyGuard  # noqa: E402 (needs the settings above)

# Chunked bodies read whole, bodies shorter than their Content-Length refused.
application = BodyGuard(django_application)
