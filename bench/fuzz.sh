#!/usr/bin/env bash
# The nightly-sized fuzz run of the reliability campaign: every parser that reads a user's
# files gets STACKAUDIT_FUZZ_EXAMPLES hostile inputs (default 10,000), not derandomised, so
# each night explores new inputs. Prints per parser: inputs tried, crashes, slowest input.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKAUDIT_FUZZ_EXAMPLES=${STACKAUDIT_FUZZ_EXAMPLES:-10000}
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/fuzz "$@"
