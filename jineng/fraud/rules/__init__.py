"""The fraud rules (../shared/FRAUD_RULES.md, 风险预警规则): one module per group of rules.

Each rule is a function registered with ``@rule``: given its version's thresholds it runs one
set-based query over the platform's data and yields a ``Hit`` for each subject that breaks the
rule, with the evidence rows that show why. The engine (``jineng.fraud.engine``) runs them on
write and in ``jineng fraud scan``, and turns hits into alerts.
"""
