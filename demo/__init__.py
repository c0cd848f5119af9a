"""The demo: load a 2025 program year through the public HTTP APIs, wait for the report to catch up, print it.

    python -m demo --registration http://127.0.0.1:8001 --activity http://127.0.0.1:8002 \
        --survey http://127.0.0.1:8003 --reporting http://127.0.0.1:8004 --token STAFF_TOKEN

About 20 groups with members and children, sessions March–December (regular meetings, 특별활동 and
온라인 간담회, some cancelled), budgets, receipts and expense claims, documents, and the satisfaction
survey with its complaints. The plan is deterministic (seeded) and shaped so that the center's 2025
figures come out of the report: 223 sessions held, 948 parent and 877 child attendances, 100 %
positive on activity support and on operation. Nothing is stored as a total: the report computes them.

Every POST carries an Idempotency-Key derived from `--run`, so running the demo again with the same
run id changes nothing; a new `--run` loads another program year beside it.
"""
