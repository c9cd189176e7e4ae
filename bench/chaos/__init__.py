"""The chaos harness: a local mesh of real service processes on PostgreSQL, a stream of
work, a replica killed with SIGKILL every few seconds, and the invariants checked after.

    .venv/bin/python -m bench.chaos                     # 1,000 items, a kill every 3 s
    .venv/bin/python -m bench.chaos --items 40 --kill-interval 4
    .venv/bin/python -m bench.chaos --no-kills          # the load figure: no kills

Modules: `database` (a fresh database per run), `mesh` (the replicas: start, SIGKILL,
restart, CPU), `corpus` (speech made with espeak-ng at run time), `receiver` (the
webhook receiver that dedupes by idempotency key), `workload` (items through the
gateways, live streams through decision), `killer`, `invariants` (what must hold
afterwards) and `report` (bench/results/chaos.json).
"""
