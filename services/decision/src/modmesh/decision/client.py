"""What a caller of decision imports: rule documents (read, checked and parsed as the
service does, so a check before publishing finds what the service would refuse), their
JSON Schema, and the audit chain's verifier. The CLI imports decision only through
this module."""

from modmesh.decision.audit import read_entries, verify
from modmesh.decision.policy.document import (
    RuleSetInvalid,
    load_document,
    parse_rule_set,
    rule_document_schema,
)

__all__ = [
    "RuleSetInvalid",
    "load_document",
    "parse_rule_set",
    "read_entries",
    "rule_document_schema",
    "verify",
]
