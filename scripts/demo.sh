#!/usr/bin/env bash
# The main job: install, then build the course, grade sample submissions and report.
. "$(dirname "$0")/_venv.sh"
exec autograder demo "$@"
