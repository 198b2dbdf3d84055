"""Everything a reader sees, for any site engine: page expansion, output boxes, the drift page,
and the reader-facing text by language.

Nothing here runs a snippet: it reads the verifier's report (``verifier.report``) and the drift
results (``verifier.drift_results``), and turns Markdown into Markdown or HTML.
"""
