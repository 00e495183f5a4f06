"""Click commands that live outside ``losscli.cli`` (each module imports its heavy parts lazily).

``losscli.cli`` adds them to its group: ``cli.add_command(thresholds)``.
"""
