"""The pure domain: questionnaires, the answer flow, clinic config models and due-time arithmetic.

Nothing in here performs I/O or reads the clock; callers pass ``now`` in.
"""
