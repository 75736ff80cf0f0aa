"""The environment variables audioessay reads (kept apart so that the CLI can name them without
importing the cluster code)."""

SCHEDULER_ENV = "AUDIOESSAY_SCHEDULER"  # render --scheduler
STORE_ENV = "AUDIOESSAY_STORE"  # render --store
