"""Process plumbing: settings, services, logs, health, metrics, running and reloading."""
