# syntax=docker/dockerfile:1
# Limpet's container image, for Docker and Docker Swarm (Config/docker-stack.yml, README "Docker Swarm"):
#
#   docker build -t limpet:latest .
#   docker run --rm --network host -v "$PWD/Config:/etc/limpet:ro" limpet:latest run --config /etc/limpet/limpet.yaml
#
# Not built by `make test`: no registry is reachable where the tests run, so the integration tests import an image
# made from the locally built binary instead (Tests/integration/docker_support.py). Keep the two in step: the
# binary at /usr/local/bin/limpet is the entry point.
#
# Only the files below are copied; with the legacy builder (DOCKER_BUILDKIT=0) the whole directory is still sent
# as the build context, so leave the .build* directories out of it (a .dockerignore with `.build*`).

ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liburing-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again. (`Package.resolved` is not tracked:
# `swift package resolve` picks the newest versions Package.swift allows.)
COPY Package.swift ./
COPY CShims CShims
COPY Sources Sources
COPY Tests Tests
RUN swift package resolve
# The Swift runtime and Foundation linked in: the runtime image needs only glibc, libstdc++ and liburing.
RUN swift build -c release --product limpet --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/limpet" /out/limpet

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liburing2 libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/limpet /usr/local/bin/limpet
COPY Config/limpet-swarm.yaml /etc/limpet/limpet.yaml
EXPOSE 80
# Limpet handles SIGTERM itself (graceful shutdown); `limpet whoami` with this image needs `--init` (or `init: true`)
# to stop promptly, as any process that is PID 1 without a SIGTERM handler.
ENTRYPOINT ["/usr/local/bin/limpet"]
CMD ["run", "--config", "/etc/limpet/limpet.yaml"]
