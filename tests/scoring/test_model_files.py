"""A model that is missing or corrupt: the service stays up, NOT_SERVING, and says why
(in its log and to every call) rather than serving without a model or restarting in a
loop that cannot mend a file. Nothing is ever fetched in its place."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.contracts.scoring.v1 import scoring_pb2 as pb
from modmesh.contracts.scoring.v1 import scoring_pb2_grpc
from modmesh.scoring.embedding import ModelError, load_encoder, packaged_model_dir
from tests.support import loopback_settings, mesh_channel


def copy_of_model(into: Path) -> Path:
    return Path(shutil.copytree(packaged_model_dir(), into / "model"))


def test_a_model_directory_that_lacks_a_file_is_named_before_anything_loads(tmp_path: Path) -> None:
    model = copy_of_model(tmp_path)
    (model / "model.safetensors").unlink()
    with pytest.raises(ModelError, match=r"model directory .* lacks model.safetensors"):
        load_encoder(model)


def test_a_corrupt_model_keeps_the_service_not_serving_with_its_reason(tmp_path: Path) -> None:
    model = copy_of_model(tmp_path)
    (model / "model.safetensors").write_bytes(b"not a safetensors file")
    settings = loopback_settings(tmp_path / "data", scoring_model_dir=str(model))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "scoring.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "modmesh.scoring"],
            env={**os.environ, **settings.to_env()},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "model not loaded" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "does not load" in log.read_text()
        with grpc.insecure_channel(settings.scoring_addr) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING
        with (
            mesh_channel(settings, settings.scoring_addr) as channel,
            pytest.raises(grpc.RpcError) as refused,
        ):
            scoring_pb2_grpc.ScoringServiceStub(channel).Score(
                pb.ScoreRequest(text="hi"), timeout=10
            )
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert f"the model in {model} does not load" in str(refused.value.details())
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
