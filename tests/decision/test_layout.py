"""The decision package is split by feature: each feature is typed against its own
narrow store, and none reaches into another feature's store."""

from __future__ import annotations

import ast
from pathlib import Path

import modmesh.decision

PACKAGE = Path(modmesh.decision.__file__).parent
FEATURES = ("intake", "cases", "review", "policy", "appeals", "actions", "live", "backfill")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_feature_imports_another_features_store() -> None:
    for feature in FEATURES:
        others = {f"modmesh.decision.{other}.store" for other in FEATURES if other != feature}
        for module in (PACKAGE / feature).glob("*.py"):
            assert not imported_modules(module) & others, module


def test_every_hand_written_module_is_under_400_lines() -> None:
    for module in PACKAGE.rglob("*.py"):
        if "versions" not in module.parts:
            assert len(module.read_text().splitlines()) < 400, module
