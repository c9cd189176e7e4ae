"""What a caller of decision imports: rule documents (read, checked and parsed as the
service does, so a check before publishing finds what the service would refuse), their
JSON Schema, the audit log's table and the check that the tables agree with it. The
CLI imports decision only through this module."""

from modmesh.decision.agreement import disagreement
from modmesh.decision.audit import AUDIT_LOG_NAME, AUDIT_TABLE
from modmesh.decision.policy.document import (
    RuleSetInvalid,
    load_document,
    parse_rule_set,
    rule_document_schema,
)

__all__ = [
    "AUDIT_LOG_NAME",
    "AUDIT_TABLE",
    "RuleSetInvalid",
    "disagreement",
    "load_document",
    "parse_rule_set",
    "rule_document_schema",
]
