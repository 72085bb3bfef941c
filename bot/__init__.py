"""Telegram: settings, the PTB application, handlers, the Notifier and the command line."""

import os

# Opt in now to PTB's coming behaviour: RetryAfter.retry_after as a timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
