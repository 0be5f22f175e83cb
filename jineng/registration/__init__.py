"""Getting an account: workers register themselves with real-name checks and a confirmed phone."""
