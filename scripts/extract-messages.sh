#!/usr/bin/env bash
# Refresh the message catalogue after changing user-facing strings; then translate what is new
# in translations/zh_Hans_CN/LC_MESSAGES/messages.po (empty or fuzzy entries fail the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  -o translations/messages.pot .
.venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
