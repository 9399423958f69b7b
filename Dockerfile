# syntax=docker/dockerfile:1
# Airlock container image: `docker build -t airlock .`
#
# Runs as user 10001 with a read-only root filesystem; give it a tmpfs (or volume) at /tmp for scan temp files and
# one at /var/lib/airlock for a SQLite catalog (PostgreSQL needs none). The signature database is read from
# /var/lib/clamav: mount it from a freshclam sidecar, or use clamd (scanner.engine: clamd).
#
#   docker run --read-only --tmpfs /tmp --tmpfs /var/lib/airlock -p 8080:8080 \
#     -e AIRLOCK_STORE_ENDPOINT=https://s3.example -e AIRLOCK_STORE_SECRET_ACCESS_KEY_FILE=/run/secrets/s3 ... airlock

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmagic-dev libclamav-dev libcurl4-openssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product airlock \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/airlock" /out/airlock

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmagic1 libclamav12 libcurl4 zlib1g ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 airlock \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/airlock --no-create-home --shell /usr/sbin/nologin airlock \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/airlock \
 && install -d -m 0755 /var/lib/clamav
COPY --from=build /out/airlock /usr/local/bin/airlock
COPY config/airlock.yaml /etc/airlock/airlock.yaml
# Listen on every interface inside the container; temp files on the /tmp tmpfs.
ENV AIRLOCK_CONFIG=/etc/airlock/airlock.yaml \
    AIRLOCK_HTTP_HOST=0.0.0.0 \
    AIRLOCK_WORKER_METRICS_HOST=0.0.0.0 \
    AIRLOCK_SCANNER_TEMP_DIR=/tmp \
    AIRLOCK_CATALOG_URL=sqlite:///var/lib/airlock/airlock.sqlite
USER 10001:10001
WORKDIR /var/lib/airlock
EXPOSE 8080 9464
# /health of `airlock serve`; for `airlock worker` override with port 9464.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/usr/local/bin/airlock"]
CMD ["serve"]
