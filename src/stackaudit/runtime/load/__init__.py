"""SLO load testing on the real k6 binary: step, soak and constant runs, knee detection,
exact merge of execution segments, cost per request.  See docs/load.md.

Public API: ``runner.run(RunOptions) -> (LoadReport, SampleSet)``, ``slo.build_plan``,
``slo.step_ladder``, ``samples.merge_files``, ``runner.analyse_merged``,
``report.to_json`` / ``report.render``, ``verdicts.to_evidence``, ``store.save_evidence``.
"""
