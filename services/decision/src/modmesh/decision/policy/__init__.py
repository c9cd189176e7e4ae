"""Policy: operator-defined rules that turn a case's evidence into an outcome, the
statements of reasons that explain it, dry runs of proposed rules, and the rule sets'
store."""
