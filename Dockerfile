# ListSync in one image: the web server and the job worker (scripts/entrypoint), Debian's
# Chromium for the lists only a real browser can read, the data in the /data volume.
#   docker build -t listsync . && docker run -p 8000:8000 -v listsync-data:/data listsync

# The dependencies in a venv, built apart so the final image carries no build leftovers.
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# The dependencies are all pyproject.toml declares (the app runs from its source tree): this
# layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
# Debian's Chromium and its driver, kept current by the distribution rather than pinned;
# SeleniumBase uses them and downloads nothing (SE_OFFLINE).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium chromium-driver \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin listsync \
    && install -d -o listsync -g listsync /data
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LISTSYNC_DATA_DIR=/data \
    SE_OFFLINE=true
WORKDIR /app
COPY --from=builder /app/.venv .venv
COPY . .
# Static files collected once, here: settings need a secret key and a data folder to load, so
# throwaway ones for this step only. The app's files stay root's; the user gets only what the
# browser writes: SeleniumBase's lock files in downloaded_files/ and its patched driver copy.
RUN SECRET_KEY=collectstatic-only LISTSYNC_DATA_DIR=/tmp/collectstatic \
        python manage.py collectstatic --noinput -v0 \
    && rm -rf /tmp/collectstatic \
    && install -d -o listsync -g listsync downloaded_files \
    && chown -R listsync:listsync .venv/lib/python3.11/site-packages/seleniumbase/drivers
# By number (the user listsync), so that a runtime can see it is not root without the passwd file.
USER 1000:1000
VOLUME /data
EXPOSE 8000
# Healthy when the database answers and the worker runs (503 otherwise); no curl in slim images.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('LISTSYNC_BIND', ':8000').rpartition(':')[2]; urllib.request.urlopen(f'http://127.0.0.1:{port}/health/', timeout=8)"]
ENTRYPOINT ["/app/scripts/entrypoint"]
