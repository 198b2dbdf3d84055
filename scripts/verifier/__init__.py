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
* :mod:`.report` writes the machine-readable JSON that the site renders provenance from;
* :mod:`.cli` ties them together behind ``python scripts/verify.py``.

Nothing here imports MkDocs: the site build calls this package as a separate process.
"""

__version__ = "1.0.0"
