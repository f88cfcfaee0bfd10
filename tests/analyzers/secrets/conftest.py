"""The corpus is data, not tests: never collect it."""

collect_ignore_glob = ["corpus/*", "corpus/**/*", "corpus_templates/*", "corpus_templates/**/*"]
