# modmesh termmatch: versioned term lists and matching. No media is read here, so no ffmpeg.
#
# Build from the repository root (the build context):
#   docker build -f deploy/docker/termmatch.Dockerfile -t modmesh-termmatch:0.1.0 .

FROM python:3.11.14-slim-bookworm AS build
RUN python -m venv /opt/modmesh
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services ./services
COPY gateway ./gateway
# Only this service's extra: the other services' libraries never enter the image.
RUN /opt/modmesh/bin/pip install --no-cache-dir '.[termmatch]'

FROM python:3.11.14-slim-bookworm
RUN groupadd --system --gid 10001 modmesh \
    && useradd --system --uid 10001 --gid modmesh --no-create-home --home-dir /tmp modmesh
COPY --from=build /opt/modmesh /opt/modmesh
# The root filesystem is read-only in the cluster: only /tmp and the data dir are written
# (numba caches the matcher's compiled functions in /tmp).
ENV PATH=/opt/modmesh/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    MODMESH_DATA_DIR=/var/lib/modmesh \
    MODMESH_BIND=0.0.0.0:50053
# A numeric user, so that the kubelet can verify runAsNonRoot.
USER 10001:10001
EXPOSE 50053
# Kubernetes probes grpc.health.v1 natively; this is for plain docker / compose.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "from modmesh.runtime.clients import wait_until_serving; wait_until_serving('127.0.0.1:50053', timeout=3)"]
# SIGTERM reaches python directly (exec form): health goes NOT_SERVING, in-flight RPCs
# drain for MODMESH_DRAIN_SECONDS, then the process exits 0.
ENTRYPOINT ["python", "-m", "modmesh.termmatch"]
