"""Runs the stages over a workspace. :func:`render` reads as the table of contents:

1. plan each essay into a frozen :class:`~audioessay.pipeline.plan.EpisodePlan` (read, ledger, script, takes);
2. keep the plans whose episode is out of date (:func:`~audioessay.pipeline.records.is_current`);
3. narrate, 4. master: on a :class:`~audioessay.pipeline.runner.Runner` (this machine, or Dask);
5. record each episode's ``build.json`` (:class:`~audioessay.pipeline.records.BuildRecord`);
6. publish the feed and page (:mod:`audioessay.pipeline.publish`).
"""
