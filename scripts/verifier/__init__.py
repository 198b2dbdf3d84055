"""The snippet verifier: find claims, run them, compare, report.

The package is split the way Sybil splits documents into regions and evaluators,
so each step is small and testable on its own:

* :mod:`.snippets` finds snippet files, reads their settings header and picks the
  expectation file that applies to the installed torch;
* :mod:`.runner` executes snippets in forked, isolated children of one process that
  imported torch once;
* :mod:`.normalize` turns raw terminal output into comparable text (named rules only);
* :mod:`.judge` decides a status for each run and renders diffs;
* :mod:`.cache` fingerprints everything that can change a result;
* :mod:`.report` is the typed contract every producer and reader of a report shares:
  statuses, entries, provenance, and reading and writing the JSON;
* :mod:`.drift_results` is the same for what ``scripts/drift.py`` records under other torches;
* :mod:`.project` copies the parts of a project a run needs into a throwaway folder;
* :mod:`.cli` ties them together behind ``python scripts/verify.py``.

Nothing here imports MkDocs: the site build calls this package as a separate process.
"""

#: The report's shape is part of the version: readers refuse a report from another one.
__version__ = "2.0.0"
