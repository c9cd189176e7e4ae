"""Hash exchange files, and `modmesh banks` moving them in and out of a real service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modmesh.cli.main import main
from modmesh.similarity.exchange import ExchangedItem, ExchangeError, read_items, write_items
from modmesh.similarity.hashing import HashRun
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings

ITEMS = [
    ExchangedItem(
        "clip-1",
        'known scam, "quoted"',
        (HashRun(b"\xf8" * 32, 0.0, 1.0, 100), HashRun(b"\x0e" * 32, 1.0, 3.5, 92)),
    ),
    ExchangedItem("image-2", "", (HashRun(b"\x55" * 32, 0.0, 1.0, 100),)),
]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_items_round_trip_through_both_formats(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bank{suffix}"
    assert write_items(ITEMS, path) == 2
    assert list(read_items(path)) == ITEMS


def test_a_csv_of_bare_hashes_reads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"
    path.write_text("item_id,pdq_hex\nimg-1," + "ab" * 32 + "\n")

    [item] = read_items(path)

    assert item == ExchangedItem("img-1", "", (HashRun(b"\xab" * 32, 0.0, 1.0, 100),))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.csv", "item_id,pdq_hex\nx,abc\n", "bad.csv line 2: pdq_hex must be 64 hex"),
        ("bad.csv", "id,hash\n", "the header lacks item_id, pdq_hex"),
        (
            "bad.csv",
            "item_id,pdq_hex\na," + "0" * 64 + "\nb," + "0" * 64 + "\na," + "0" * 64 + "\n",
            "line 4: the rows of item 'a' must be together",
        ),
        ("bad.jsonl", '{"item_id": "a", "hashes": [{"pdq_hex": "zz"}]}\n', "line 1: pdq_hex"),
        ("bad.jsonl", "\n{not json\n", "bad.jsonl line 2: not JSON"),
        ("bad.jsonl", '{"hashes": [{"pdq_hex": "' + "0" * 64 + '"}]}\n', "item_id is empty"),
        ("bad.txt", "", "name it .csv or .jsonl"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ExchangeError, match=message.replace("(", r"\(")):
        list(read_items(path))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("banks-cli"))
    with ServiceProcess("similarity", settings):
        yield settings


def banks(
    settings: LoopbackSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    code = main(["banks", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_bank_is_created_imported_listed_exported_and_trimmed_from_the_command_line(
    service: LoopbackSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "partner.jsonl"
    write_items(ITEMS, source)

    assert banks(service, monkeypatch, capsys, "create", "partner", "--max-distance", "20")[0] == 0
    code, out, _ = banks(service, monkeypatch, capsys, "import", "partner", str(source))
    assert (code, out.strip()) == (0, "imported 2 items into partner (0 already there)")
    code, out, _ = banks(service, monkeypatch, capsys, "import", "partner", str(source))
    assert out.strip() == "imported 0 items into partner (2 already there)"
    code, out, _ = banks(service, monkeypatch, capsys, "list")
    assert out.startswith("partner: 2 items, distance ≤ 20, ≥ 50% matched; index partner=")

    exported = tmp_path / "out.csv"
    assert banks(service, monkeypatch, capsys, "export", "partner", str(exported))[0] == 0
    assert list(read_items(exported)) == ITEMS

    assert banks(service, monkeypatch, capsys, "remove", "partner", "clip-1")[0] == 0
    banks(service, monkeypatch, capsys, "export", "partner", str(exported))
    assert [item.item_id for item in read_items(exported)] == ["image-2"]


def test_the_command_line_says_what_went_wrong(
    service: LoopbackSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,pdq_hex\nx,123\n")
    assert banks(service, monkeypatch, capsys, "create", "target")[0] == 0

    code, _, err = banks(service, monkeypatch, capsys, "import", "target", str(bad))
    assert (code, err.strip()) == (
        1,
        "error: bad.csv line 2: pdq_hex must be 64 hex characters (a 256-bit PDQ hash), "
        "got 3 characters: '123'",
    )
    code, _, err = banks(service, monkeypatch, capsys, "export", "nope", str(tmp_path / "x.csv"))
    assert (code, err.strip()) == (1, "error: NOT_FOUND: bank 'nope' does not exist")
    assert list(tmp_path.glob("*x*")) == [], "a refused export leaves no file"
    monkeypatch.setenv("MODMESH_SIMILARITY_ADDR", "127.0.0.1:1")
    assert main(["banks", "list"]) == 1
    assert "cannot reach similarity at 127.0.0.1:1" in capsys.readouterr().err


def test_a_bank_goes_out_as_a_folder_of_vpdq_files_and_comes_back_in(
    service: LoopbackSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "partner.jsonl"
    write_items(ITEMS, source)
    for bank in ("vpdq-out", "vpdq-in"):
        assert banks(service, monkeypatch, capsys, "create", bank)[0] == 0
    banks(service, monkeypatch, capsys, "import", "vpdq-out", str(source))

    folder = tmp_path / "vpdq-export"
    code, out, _ = banks(service, monkeypatch, capsys, "export", "vpdq-out", str(folder))
    assert (code, out.strip()) == (0, f"exported 2 items of vpdq-out to {folder}")
    assert sorted(path.name for path in folder.iterdir()) == ["clip-1.vpdq", "image-2.vpdq"]
    assert (folder / "image-2.vpdq").read_text() == f"0,100,{'55' * 32},0.000\n"

    code, out, _ = banks(service, monkeypatch, capsys, "import", "vpdq-in", str(folder))
    assert out.strip() == "imported 2 items into vpdq-in (0 already there)"
    banks(service, monkeypatch, capsys, "export", "vpdq-in", str(tmp_path / "back.jsonl"))
    # Labels stay behind; a run of 2.5 s comes back as the 2 whole seconds it was sampled at.
    assert list(read_items(tmp_path / "back.jsonl")) == [
        ExchangedItem("clip-1", "", (ITEMS[0].runs[0], HashRun(b"\x0e" * 32, 1.0, 3.0, 92))),
        ExchangedItem("image-2", "", ITEMS[1].runs),
    ]
