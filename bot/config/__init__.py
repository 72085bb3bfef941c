"""The clinic file: its YAML read one of two ways under one set of rules, then validated.

``loader`` is the entry point; ``problems`` says what is wrong and where; ``yaml_read``
chooses between ``yaml_events`` and ``yaml_tree``, which both follow ``yaml_rules``;
``calendars`` resolves the calendar files a clinic file names, and ``includes`` reads the
questionnaire files it names.
"""
