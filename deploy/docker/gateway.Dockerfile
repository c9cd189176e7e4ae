# modmesh gateway: the REST/JSON bridge, the only part of the mesh reached from outside.
#
# Build from the repository root (the build context):
#   docker build -f deploy/docker/gateway.Dockerfile -t modmesh-gateway:0.1.0 .

FROM python:3.11.14-slim-bookworm AS build
RUN python -m venv /opt/modmesh
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services ./services
COPY gateway ./gateway
# Only the gateway's extra: the other services' libraries never enter the image.
RUN /opt/modmesh/bin/pip install --no-cache-dir '.[gateway]'

FROM python:3.11.14-slim-bookworm
RUN groupadd --system --gid 10001 modmesh \
    && useradd --system --uid 10001 --gid modmesh --no-create-home --home-dir /tmp modmesh
COPY --from=build /opt/modmesh /opt/modmesh
# The root filesystem is read-only in the cluster: only /tmp and the data dir are written.
ENV PATH=/opt/modmesh/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    MODMESH_DATA_DIR=/var/lib/modmesh \
    MODMESH_BIND=0.0.0.0:8080
# A numeric user, so that the kubelet can verify runAsNonRoot.
USER 10001:10001
EXPOSE 8080
# Kubernetes probes /healthz and /readyz over HTTP; this is for plain docker / compose.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import httpx; httpx.get('http://127.0.0.1:8080/healthz').raise_for_status()"]
# SIGTERM reaches python directly (exec form): uvicorn drains for MODMESH_DRAIN_SECONDS,
# then the process exits 0.
ENTRYPOINT ["python", "-m", "modmesh.gateway"]
