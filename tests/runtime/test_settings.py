import dataclasses
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from modmesh.decision.settings import DecisionSettings
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.settings import MeshSettings, SettingsError
from modmesh.scoring.settings import ScoringSettings
from modmesh.similarity.settings import SimilaritySettings
from modmesh.termmatch.settings import TermMatchSettings
from modmesh.transcription.settings import TranscriptionSettings
from tests.support import SERVICE_SETTINGS, ServiceProcess, loopback_settings

#: Each secret and the services that read it: no other process's settings may hold it.
SECRETS: dict[str, set[type[MeshSettings]]] = {
    "api_keys": {GatewaySettings},
    "jwt_secret": {GatewaySettings},
    "tenant_grants": {GatewaySettings},
    "action_webhook_secret": {DecisionSettings},
    "audit_signing_key": {DecisionSettings},
    # Each service that keeps an audit chain (docs/security.md).
    "audit_key": {DecisionSettings, TermMatchSettings, SimilaritySettings, ScoringSettings},
}
#: Set in every service's variables at once, to see which settings take it up.
SECRET = secrets.token_urlsafe(32)


def field_names(cls: type[MeshSettings]) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_default_runs_locally_on_loopback() -> None:
    settings = MeshSettings.from_env({})
    assert settings.decision_addr.startswith("127.0.0.1:")
    assert settings.database_url_for("decision").startswith("sqlite:///")


def test_each_field_is_read_from_its_modmesh_variable_with_its_type() -> None:
    settings = MeshSettings.from_env(
        {
            "MODMESH_DATA_DIR": "/srv/modmesh",
            "MODMESH_MAX_MEDIA_BYTES": "1024",
            "MODMESH_DRAIN_SECONDS": "2.5",
            "MODMESH_TERMMATCH_ADDR": "10.0.0.5:9000",
        }
    )
    assert settings.data_dir == Path("/srv/modmesh")
    assert settings.max_media_bytes == 1024
    assert settings.drain_seconds == 2.5
    assert settings.termmatch_addr == "10.0.0.5:9000"


def test_a_service_reads_its_own_fields_and_the_shared_ones() -> None:
    settings = TermMatchSettings.from_env(
        {"MODMESH_MAX_TEXT_CHARS": "77", "MODMESH_DECISION_ADDR": "10.0.0.6:50051"}
    )
    assert settings.max_text_chars == 77
    assert settings.decision_addr == "10.0.0.6:50051"


def test_a_malformed_value_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="MODMESH_MAX_MEDIA_BYTES must be a int, got 'lots'"):
        MeshSettings.from_env({"MODMESH_MAX_MEDIA_BYTES": "lots"})


@pytest.mark.parametrize(
    ("settings_class", "variable"),
    [
        (TranscriptionSettings, "MODMESH_STREAM_MAX_LAG_SECONDS"),
        (TermMatchSettings, "MODMESH_MAX_TEXT_CHARS"),
        (SimilaritySettings, "MODMESH_SIMILARITY_SEARCH_K"),
        (DecisionSettings, "MODMESH_ACTION_MAX_ATTEMPTS"),
        (TermMatchSettings, "MODMESH_METRICS_PORT"),
    ],
)
def test_a_malformed_value_of_a_services_own_field_stops_it_naming_the_variable(
    settings_class: type[MeshSettings], variable: str
) -> None:
    with pytest.raises(SettingsError, match=f"{variable} must be a"):
        settings_class.from_env({variable: "lots"})


def test_another_services_malformed_value_does_not_stop_a_service() -> None:
    # Termmatch never reads decision's settings, so it cannot be stopped by them.
    settings = TermMatchSettings.from_env({"MODMESH_ACTION_MAX_ATTEMPTS": "lots"})
    assert settings == TermMatchSettings()


@pytest.mark.parametrize("settings_class", SERVICE_SETTINGS)
def test_a_services_settings_do_not_carry_another_services_secret(
    settings_class: type[MeshSettings],
) -> None:
    others = {
        "MODMESH_" + name.upper()
        for name, owners in SECRETS.items()
        if settings_class not in owners
    }
    settings = settings_class.from_env(dict.fromkeys(others, SECRET))
    assert SECRET not in map(str, dataclasses.asdict(settings).values())


def test_a_service_reads_its_own_secrets() -> None:
    environ = {"MODMESH_JWT_SECRET": SECRET, "MODMESH_ACTION_WEBHOOK_SECRET": SECRET}
    assert GatewaySettings.from_env(environ).jwt_secret == SECRET
    assert DecisionSettings.from_env(environ).action_webhook_secret == SECRET


def test_the_shared_part_holds_no_services_own_field() -> None:
    shared = field_names(MeshSettings)
    for settings_class in SERVICE_SETTINGS:
        assert shared <= field_names(settings_class), settings_class.__name__
    own = [field_names(cls) - shared for cls in SERVICE_SETTINGS]
    read_by_several = {name for name, owners in SECRETS.items() if len(owners) > 1}
    for index, fields in enumerate(own):
        for other in own[index + 1 :]:
            assert not (fields & other) - read_by_several, (
                "a field belongs to one service, or to the shared part"
            )


def test_bind_overrides_the_listen_address_but_not_where_others_reach_the_service() -> None:
    settings = MeshSettings.from_env({"MODMESH_BIND": "0.0.0.0:50051"})
    assert settings.listen_addr("decision") == "0.0.0.0:50051"
    assert settings.decision_addr == "127.0.0.1:50051"


def test_settings_survive_a_round_trip_through_the_environment() -> None:
    settings = TermMatchSettings.from_env({"MODMESH_MAX_TEXT_CHARS": "77"})
    assert TermMatchSettings.from_env(settings.to_env()) == settings


def test_the_shared_settings_hand_children_no_service_specific_variable() -> None:
    variables = set(MeshSettings(data_dir=Path("/srv")).to_env())
    for settings_class in SERVICE_SETTINGS:
        own = field_names(settings_class) - field_names(MeshSettings)
        assert not {"MODMESH_" + name.upper() for name in own} & variables


def test_a_database_url_setting_replaces_the_embedded_sqlite_file() -> None:
    url = "postgresql+psycopg://127.0.0.1:5432/test"
    environ = {"MODMESH_DECISION_DATABASE_URL": url}
    assert DecisionSettings.from_env(environ).store_url == url
    assert TermMatchSettings.from_env(environ).store_url.startswith("sqlite:///")


def test_one_database_url_serves_every_service_unless_a_service_has_its_own() -> None:
    shared = "postgresql+psycopg://127.0.0.1:5432/test"
    own = "postgresql+psycopg://127.0.0.1:5432/decision"
    environ = {"MODMESH_DATABASE_URL": shared, "MODMESH_DECISION_DATABASE_URL": own}
    assert TermMatchSettings.from_env(environ).store_url == shared
    assert SimilaritySettings.from_env(environ).store_url == shared
    assert DecisionSettings.from_env(environ).store_url == own


def test_a_service_process_starts_whatever_another_services_variables_hold(
    tmp_path: Path,
) -> None:
    settings = loopback_settings(tmp_path, action_max_attempts="lots", whisper_device="lots")
    with ServiceProcess("termmatch", settings) as termmatch:
        assert "lots" not in termmatch.log()


def test_a_malformed_value_of_its_own_stops_a_service_process_naming_the_variable(
    tmp_path: Path,
) -> None:
    settings = loopback_settings(tmp_path, max_text_chars="lots")
    started = subprocess.run(
        [sys.executable, "-m", "modmesh.termmatch"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "MODMESH_MAX_TEXT_CHARS must be a int, got 'lots'" in started.stderr
