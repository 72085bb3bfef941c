"""Every word a client or therapist reads, per language, and rendering to Telegram HTML."""
