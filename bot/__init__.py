"""Telegram: settings, the PTB application, handlers, the Notifier and the command line."""
