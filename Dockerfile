# imapworker container: the daemon (ENTRYPOINT) and imapctl, on Debian 12 slim.
#   docker build -t imapworker .            (or: docker compose up --build, see docs/deployment.md)
# The build stage uses the official Swift image of our toolchain (swift --version: 6.3.1).
ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- build ------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
# The system libraries Package.swift links (the same list as scripts/setup.sh).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libssl-dev libsqlite3-dev libhiredis-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifest first: the dependency fetch is cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Transports ./Transports
COPY Tests ./Tests
COPY scripts/build-release.sh scripts/link-order.txt ./scripts/
# scripts/build-release.sh, the release build of the README and the bench scripts:
# --static-swift-stdlib puts the Swift runtime and Foundation into the binaries, so the runtime image
# needs no Swift toolchain; OpenSSL, SQLite, hiredis and zlib stay shared Debian libraries (their
# security updates come with apt). Checked on Debian 12: the result needs only libssl3,
# libsqlite3-0, libhiredis0.14, zlib1g, libstdc++6, libgcc-s1 and libc6 (2.36: packed relocations).
# lld (in the Swift image) links the functions runs execute together (scripts/link-order.txt).
RUN scripts/build-release.sh imapworker imapctl \
 && mkdir -p /out \
 && cp "$(swift build -c release --show-bin-path)/imapworker" "$(swift build -c release --show-bin-path)/imapctl" /out/

# ---- runtime ----------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libssl3 libsqlite3-0 libhiredis0.14 zlib1g libstdc++6 libgcc-s1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 imapworker \
 && useradd --system --uid 10001 --gid imapworker --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin imapworker \
 && install -d -o imapworker -g imapworker -m 0700 /data
COPY --from=build /out/imapworker /out/imapctl /usr/local/bin/
# Every key with its default, for reference; the container's own settings (store in /data, metrics
# on 9090, JSON logs) are in configs/docker/imapworker.yaml, and IMAPWORKER_* variables win over both.
COPY configs/imapworker.yaml /etc/imapworker/imapworker.defaults.yaml
COPY configs/docker/imapworker.yaml /etc/imapworker/imapworker.yaml
COPY configs/docker/healthcheck.sh /usr/local/bin/imapworker-healthcheck
USER imapworker
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9090
# /health answers 200 while no transport has failed for good, 503 otherwise (docs/worker.md).
# The metrics endpoint is on in the container's config; the script follows IMAPWORKER_METRICS_PORT
# and reports healthy when it is set to 0 (off), since there is then nothing to ask.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/imapworker-healthcheck"]
# The daemon drains on SIGTERM: jobs get worker.shutdown_grace_seconds (30 s); give docker stop
# more than that (compose: stop_grace_period 45s; docker stop -t 45).
STOPSIGNAL SIGTERM
ENTRYPOINT ["imapworker"]
CMD ["start", "--config", "/etc/imapworker/imapworker.yaml"]
