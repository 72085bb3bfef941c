"""The Telegram adapter: the PTB application, handlers, views, sending, limits, retries."""
