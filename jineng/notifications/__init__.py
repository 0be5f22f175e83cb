"""Notifications: every account's in-app inbox and the text messages sent to workers' phones."""
