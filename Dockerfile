# The alliance check-in bot in a container. Build and run as shown in docs/deployment.md.
# Not built by CI (no Docker on the CI machine); tests/unit/test_deployment_files.py checks
# what can be checked without building it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --home-dir /app --uid 10001 alliance
WORKDIR /app

COPY pyproject.toml README.md ./
COPY core ./core
COPY messages ./messages
COPY storage ./storage
COPY scheduler ./scheduler
COPY bot ./bot
COPY sandbox ./sandbox
RUN pip install . && mkdir /data && chown alliance:alliance /data

USER alliance
# SQLite lives on the /data volume; set ALLIANCE_DATABASE_URL for PostgreSQL instead.
ENV ALLIANCE_DATABASE_URL=sqlite:////data/alliance.db \
    ALLIANCE_CLINIC_CONFIG=/config/clinic.yaml \
    ALLIANCE_HEALTH_PORT=9090 \
    ALLIANCE_HEALTH_HOST=0.0.0.0 \
    ALLIANCE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 9090

HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4)"]

ENTRYPOINT ["alliance"]
CMD ["run"]
