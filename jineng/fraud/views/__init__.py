"""Pages of fraud control (风险预警).

- ``alerts``: the list of alerts, one alert with its evidence (masked, or in full with a
  purpose, audited), and its disposition (view_alerts to read, work_alerts to dispose);
- ``rules``: the published rules for every signed-in user, their thresholds, versions and
  precision for view_alerts, changes and scans for the bureau (manage_fraud_rules);
- ``scans``: a scan run as a background job, its progress and its counts.
"""
