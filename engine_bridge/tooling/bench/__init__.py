"""The QA benchmark suites (``aicore bench``): running them, their result sets, baselines
and gates, and the HTML report (docs/qa.md)."""
