from pathlib import Path

import pytest

from modmesh.runtime.settings import Settings, SettingsError


def test_every_default_runs_locally_on_loopback() -> None:
    settings = Settings.from_env({})
    assert settings.decision_addr.startswith("127.0.0.1:")
    assert settings.database_url_for("decision").startswith("sqlite:///")


def test_each_field_is_read_from_its_modmesh_variable_with_its_type() -> None:
    settings = Settings.from_env(
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


def test_a_malformed_value_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="MODMESH_MAX_MEDIA_BYTES must be a int, got 'lots'"):
        Settings.from_env({"MODMESH_MAX_MEDIA_BYTES": "lots"})


def test_bind_overrides_the_listen_address_but_not_where_others_reach_the_service() -> None:
    settings = Settings.from_env({"MODMESH_BIND": "0.0.0.0:50051"})
    assert settings.listen_addr("decision") == "0.0.0.0:50051"
    assert settings.decision_addr == "127.0.0.1:50051"


def test_settings_survive_a_round_trip_through_the_environment() -> None:
    settings = Settings.from_env({"MODMESH_MAX_TEXT_CHARS": "77"})
    assert Settings.from_env(settings.to_env()) == settings


def test_a_database_url_setting_replaces_the_embedded_sqlite_file() -> None:
    url = "postgresql+psycopg://127.0.0.1:5432/test"
    settings = Settings.from_env({"MODMESH_DECISION_DATABASE_URL": url})
    assert settings.database_url_for("decision") == url
    assert settings.database_url_for("termmatch").startswith("sqlite:///")


def test_one_database_url_serves_every_service_unless_a_service_has_its_own() -> None:
    shared = "postgresql+psycopg://127.0.0.1:5432/test"
    own = "postgresql+psycopg://127.0.0.1:5432/decision"
    settings = Settings.from_env(
        {"MODMESH_DATABASE_URL": shared, "MODMESH_DECISION_DATABASE_URL": own}
    )
    assert settings.database_url_for("termmatch") == shared
    assert settings.database_url_for("decision") == own
