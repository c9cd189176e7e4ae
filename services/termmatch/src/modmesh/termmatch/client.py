"""What a caller of termmatch imports: the bulk term files (CSV, JSON Lines) and the
conversions of the terms it sends and receives. The gateway and the CLI import termmatch
only through this module, which needs nothing beyond the runtime: a caller installs
modmesh-termmatch without its `server` extra (numba, RE2, SQL)."""

from modmesh.termmatch.bulk import FORMATS, header, read_terms, write_terms
from modmesh.termmatch.convert import draft_to_pb, term_from_pb

__all__ = ["FORMATS", "draft_to_pb", "header", "read_terms", "term_from_pb", "write_terms"]
