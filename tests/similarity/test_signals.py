"""HMA / ThreatExchange interop: files that pytx's own writers and its `threatexchange`
command make are imported with their sources; what modmesh exports, pytx reads back; the
API exchanges say clearly what is missing or wrong with their credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory
from threatexchange.exchanges.impl.fb_threatexchange_api import FBThreatExchangeSignalExchangeAPI
from threatexchange.exchanges.impl.file_api import (
    FileCollaborationConfig,
    LocalFileSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIISignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.similarity.client import frame_hashes
from modmesh.similarity.exchange import ExchangedItem, ExchangeError
from modmesh.similarity.hashing import HashRun
from modmesh.similarity.signals import (
    DATASET_FIELDS,
    EXCHANGES,
    PDQ,
    fetch,
    read_signals,
    write_signals,
)
from tests.similarity.test_exchange import banks
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

A, B = "ab" * 32, "0f" * 32
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
THREATEXCHANGE = Path(sys.executable).parent / "threatexchange"


def pytx_file(
    path: Path, signals: list[tuple[type[PdqSignal] | type[VideoMD5Signal], str]]
) -> None:
    """A signal file of pytx's local file exchange, with pytx's names of the signal types.

    Its writer, LocalFileSignalExchangeAPI.report_opinion, cannot write in pytx 1.2.17: it
    opens the file with mode "wta", which Python refuses (asserted here, so that a release
    that fixes it shows). So the lines are the ones it would append, "<type> <signal>";
    pytx's reader and its `threatexchange` command read them in the tests below.
    """
    api = LocalFileSignalExchangeAPI.for_collab(
        FileCollaborationConfig(name="partners", filename=str(path))
    )
    path.write_text("\n")
    opinion = SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set())
    with pytest.raises(ValueError, match="must have exactly one of create/read/write/append"):
        api.report_opinion(PdqSignal, A, opinion)
    path.write_text("".join(f"{kind.get_name()} {signal}\n" for kind, signal in signals))


def threatexchange(home: Path, *args: str) -> str:
    """pytx's own command, with its state (collaborations, fetched signals) under `home`."""
    result = subprocess.run(  # noqa: S603 - pytx's command with arguments we build
        [str(THREATEXCHANGE), *args],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def pytx_collab(home: Path, signals: Path) -> None:
    threatexchange(home, "config", "collab", "edit", "local_file", "--create",
                   "--filename", str(signals), "partners")  # fmt: skip
    threatexchange(home, "fetch")


def test_modmesh_names_pdq_and_the_exchanges_as_pytx_does() -> None:
    assert PdqSignal.get_name() == PDQ
    assert (
        tuple(
            api.get_name()
            for api in (
                FBThreatExchangeSignalExchangeAPI,
                NCMECSignalExchangeAPI,
                StopNCIISignalExchangeAPI,
            )
        )
        == EXCHANGES
    )


def test_a_local_file_written_by_pytx_is_read_with_the_source_of_each_signal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "partner-signals.txt"
    pytx_file(path, [(PdqSignal, A), (VideoMD5Signal, MD5), (PdqSignal, B), (PdqSignal, A)])

    signals = read_signals(path, "file")

    assert [item.item_id for item in signals.items] == [f"pdq-{A}", f"pdq-{B}"]
    assert signals.items[0].runs == (HashRun(bytes.fromhex(A), 0.0, 1.0, 100),)
    source = signals.items[0].source
    assert source is not None
    assert (source.exchange, source.collaboration, source.external_id) == (
        "file",
        "partner-signals.txt",
        A,
    )
    assert signals.skipped == {"video_md5 signals": 1}


@pytest.mark.parametrize(
    ("form", "content", "message"),
    [
        ("match", f"{A}\n\n{B}\nnot-a-hash\n".encode(), "bad: pdq must be 64 hex characters"),
        ("file", b"pdq 0123\n", "bad: pdq must be 64 hex characters"),
        ("file", b"pdq \xff\xfe\n", "bad: not UTF-8 text"),
        ("dataset", b"signal_type,signal_str\n", "bad: the header lacks category, collab, tags"),
        (
            "dataset",
            f"{','.join(DATASET_FIELDS)}\npdq,{A},c,MAYBE,\n".encode(),
            "bad line 2: unknown category 'MAYBE'",
        ),
        ("jsonl", b"", "unknown signal format 'jsonl'"),
    ],
)
def test_a_bad_signal_file_is_refused_saying_why(
    tmp_path: Path, form: str, content: bytes, message: str
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)

    with pytest.raises(ExchangeError) as refused:
        read_signals(path, form)
    assert str(refused.value).startswith(message)


def test_a_missing_signal_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match=r"nope\.txt: no such file"):
        read_signals(tmp_path / "nope.txt", "file")


def test_an_export_in_each_format_is_read_back_by_pytx(tmp_path: Path) -> None:
    a, b = bytes.fromhex(A), bytes.fromhex(B)
    items = [
        ExchangedItem("clip", "", (HashRun(a, 0, 1, 90), HashRun(b, 1, 2, 90))),
        ExchangedItem("image", "", (HashRun(a, 0, 1, 100),)),
    ]
    exported = tmp_path / "export.txt"
    assert write_signals(items, exported, "file", bank="scams") == 2
    api = LocalFileSignalExchangeAPI.for_collab(
        FileCollaborationConfig(name="scams", filename=str(exported))
    )
    [delta] = api.fetch_iter([PdqSignal], None)
    assert set(delta.updates) == {("pdq", A), ("pdq", B)}

    # pytx's command matches the hash list against a collaboration of the same file.
    hashes = tmp_path / "export.hashes"
    assert write_signals(items, hashes, "match", bank="scams") == 2
    pytx_collab(tmp_path, exported)
    matched = threatexchange(tmp_path, "match", "--all", "--only-signal", "pdq", "--hashes",
                             "photo", str(hashes))  # fmt: skip
    # Each exported hash matches its signal exactly (the file API's signals are seeds).
    assert matched.splitlines() == ["pdq 0 (partners) INVESTIGATION_SEED"] * 2

    dataset = tmp_path / "export.csv"
    assert write_signals(items, dataset, "dataset", bank="scams", negative=True) == 2
    written = threatexchange(tmp_path, "dataset", "-P", "--csv").splitlines()
    lines = dataset.read_text().splitlines()
    assert lines[0] == written[0] == ",".join(DATASET_FIELDS), "pytx's own header"
    assert lines[1:] == [f"pdq,{A},scams,NEGATIVE_CLASS,", f"pdq,{B},scams,NEGATIVE_CLASS,"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("signals-cli"))
    with ServiceProcess("similarity", settings):
        yield settings


def test_a_threatexchange_dataset_is_imported_and_its_matches_show_the_source(
    service: LoopbackSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytx_file(tmp_path / "signals.txt", [(PdqSignal, A), (PdqSignal, B)])
    pytx_collab(tmp_path, tmp_path / "signals.txt")
    dataset = tmp_path / "dataset.csv"
    dataset.write_text(threatexchange(tmp_path, "dataset", "-P", "--csv"))
    banks(service, monkeypatch, capsys, "create", "partner")
    banks(service, monkeypatch, capsys, "create", "known-good", "--negative")

    code, out, _ = banks(service, monkeypatch, capsys, "import", "partner", str(dataset),
                         "--format", "dataset")  # fmt: skip
    assert (code, out.strip()) == (0, "imported 2 items into partner (0 already there)")
    code, out, _ = banks(service, monkeypatch, capsys, "import", "known-good", str(dataset),
                         "--format", "dataset")  # fmt: skip
    assert out.splitlines() == [
        "imported 0 items into known-good (0 already there)",
        "not imported: 2 INVESTIGATION_SEED rows",
    ], "a negative bank takes only signals the exchange marks as false positives"
    known_good = tmp_path / "known-good.csv"
    stock = ExchangedItem("stock", "", (HashRun(bytes.fromhex("c3" * 32), 0, 1, 100),))
    write_signals([stock], known_good, "dataset", bank="stock-footage", negative=True)
    code, out, _ = banks(service, monkeypatch, capsys, "import", "known-good", str(known_good),
                         "--format", "dataset")  # fmt: skip
    assert out.strip() == "imported 1 items into known-good (0 already there)"
    code, out, _ = banks(service, monkeypatch, capsys, "list")
    assert "known-good: 1 items, distance ≤ 31, ≥ 50% matched; negative; index" in out

    with mesh_channel(service, service.similarity_addr) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        query = frame_hashes([HashRun(bytes.fromhex(A), 0.0, 1.0, 100)])
        reply = stub.Search(similarity_pb2.SearchRequest(hashes=query, banks=["partner"]))
    [match] = reply.matches
    assert match.item_id == f"pdq-{A}"
    assert (match.source.exchange, match.source.collaboration, match.source.external_id) == (
        "dataset",
        "partners",
        A,
    )
    assert match.source.fetched_at.endswith("Z")

    exported = tmp_path / "partner.txt"
    code, out, _ = banks(service, monkeypatch, capsys, "export", "partner", str(exported),
                         "--format", "file")  # fmt: skip
    assert (code, out.strip()) == (0, f"exported 2 signals of partner to {exported}")
    assert exported.read_text() == f"pdq {A}\npdq {B}\n"


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither modmesh's variables nor pytx's own variables or files."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("TX_ACCESS_TOKEN", "TX_NCMEC_CREDENTIALS", "TX_STOPNCII_KEYS",
                     "MODMESH_THREATEXCHANGE_TOKEN", "MODMESH_NCMEC_CREDENTIALS",
                     "MODMESH_STOPNCII_KEYS"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize(
    ("exchange", "variable", "bad", "missing", "invalid"),
    [
        (
            "fb_threatexchange",
            "MODMESH_THREATEXCHANGE_TOKEN",
            "not-a-token",
            "fb_threatexchange: no credentials; fix this by setting "
            "MODMESH_THREATEXCHANGE_TOKEN to APP_ID|APP_SECRET; or populating an environment "
            "variable called TX_ACCESS_TOKEN; or creating (and maybe `chmod 400`) a file "
            "with credentials at ~/.txtoken",
            "fb_threatexchange: the credentials are not valid (Invalid credentials from "
            "setting MODMESH_THREATEXCHANGE_TOKEN to APP_ID|APP_SECRET): "
            "MODMESH_THREATEXCHANGE_TOKEN must be APP_ID|APP_SECRET",
        ),
        (
            "ncmec",
            "MODMESH_NCMEC_CREDENTIALS",
            "user-without-a-password",
            "ncmec: no credentials; fix this by setting MODMESH_NCMEC_CREDENTIALS to "
            "USER:PASSWORD; or populating",
            "ncmec: the credentials are not valid",
        ),
        (
            "stop_ncii",
            "MODMESH_STOPNCII_KEYS",
            "one-key",
            "stop_ncii: no credentials; fix this by setting MODMESH_STOPNCII_KEYS to "
            "FETCH_FUNCTION_KEY,SUBSCRIPTION_KEY; or populating",
            "stop_ncii: MODMESH_STOPNCII_KEYS must be FETCH_FUNCTION_KEY,SUBSCRIPTION_KEY: "
            "Invalid stopNCII credentials format",
        ),
    ],
)
def test_an_api_exchange_says_what_is_missing_or_wrong_with_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
    exchange: str,
    variable: str,
    bad: str,
    missing: str,
    invalid: str,
) -> None:
    with pytest.raises(ExchangeError) as refused:
        fetch(exchange, "partners", privacy_group=1234)
    assert str(refused.value).startswith(missing)

    monkeypatch.setenv(variable, bad)
    with pytest.raises(ExchangeError) as refused:
        fetch(exchange, "partners", privacy_group=1234)
    assert str(refused.value).startswith(invalid)


@pytest.mark.usefixtures("no_credentials")
def test_the_command_line_reports_a_fetch_without_credentials(
    service: LoopbackSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    banks(service, monkeypatch, capsys, "create", "ncmec-hashes")

    code, _, err = banks(service, monkeypatch, capsys, "fetch", "ncmec-hashes",
                         "--exchange", "ncmec", "--collaboration", "industry")  # fmt: skip

    assert code == 1
    assert err.startswith("error: ncmec: no credentials; fix this by setting ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"exchange": "", "fetched_at": "2026-12-07T20:00:00Z"}, "source.exchange must be 1 to 64"),
        ({"exchange": "file", "fetched_at": "yesterday"}, "source.fetched_at must be an RFC 3339"),
        ({"exchange": "file", "fetched_at": "2026-12-07T20:00:00"}, "must name its zone"),
        (
            {"exchange": "file", "external_id": "x" * 1025, "fetched_at": "2026-12-07T20:00:00Z"},
            "source.external_id is longer than 1024 characters",
        ),
    ],
)
def test_a_bad_source_is_refused_with_what_is_wrong(
    service: LoopbackSettings, source: dict[str, str], message: str
) -> None:
    request = similarity_pb2.AddHashesRequest(
        bank="partner",
        item_id="sourced",
        hashes=frame_hashes([HashRun(bytes.fromhex(B), 0.0, 1.0, 100)]),
        source=evidence_pb2.SignalSource(**source),
    )
    with mesh_channel(service, service.similarity_addr) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.AddHashes(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in str(refused.value.details())


def test_a_withheld_match_travels_on_the_wire_with_its_reason(service: LoopbackSettings) -> None:
    stock = frame_hashes([HashRun(bytes.fromhex("5a" * 32), 0.0, 2.0, 100)])
    with mesh_channel(service, service.similarity_addr) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        stub.CreateBank(similarity_pb2.CreateBankRequest(name="wire-scams"))
        created = stub.CreateBank(similarity_pb2.CreateBankRequest(name="wire-good", negative=True))
        for bank in ("wire-scams", "wire-good"):
            stub.AddHashes(
                similarity_pb2.AddHashesRequest(bank=bank, item_id="stock", hashes=stock)
            )
        reply = stub.Search(similarity_pb2.SearchRequest(hashes=stock, banks=["wire-scams"]))

    assert created.bank.bank.negative
    assert list(reply.matches) == []
    [withheld] = reply.suppressed
    assert (withheld.match.bank, withheld.known_good.bank) == ("wire-scams", "wire-good")
    assert withheld.reason == (
        "withheld: the query frames it matched at 0-2 s are known-good, matching item 'stock' "
        "of negative bank 'wire-good' (distance 0); its other frames do not reach the "
        "threshold of bank 'wire-scams'"
    )
