"""The command line: ``alliance`` and its commands, exports, the demo."""
