# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    MEDIA_ROOT=/data/archive \
    STATIC_ROOT=/app/staticfiles \
    ARCHIVE_BROWSER=/usr/bin/chromium-headless-shell

# chromium-headless-shell for screenshots and PDFs (a third of full chromium's CPU a capture), ffmpeg for video, fonts for both; g++ builds pdqhash (sdist only).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell ffmpeg fonts-dejavu-core fonts-noto-core \
      ca-certificates gettext curl g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .
RUN useradd --system --uid 1000 --home /app trainedon \
 && mkdir -p /data/archive \
 && chown -R trainedon /data \
 && DEBUG=1 DATA_DIR=/tmp/build python manage.py compilemessages -v0 \
 && DEBUG=0 SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
      ALLOWED_HOSTS=build SITE_URL=https://build.invalid DATA_DIR=/tmp/build python manage.py collectstatic --noinput -v0 \
 && rm -rf /tmp/build

USER trainedon
EXPOSE 8000
CMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "8", "--access-logfile", "-"]
