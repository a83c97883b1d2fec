#!/usr/bin/env bash
# Mutation testing with mutmut over the core modules; prints the killed share per module.
#
#   bash scripts/mutation_score.sh [--max-children N] [--tests 'FILE ...'] [MODULE_GLOB ...]
#
#   e.g.  bash scripts/mutation_score.sh --max-children 1 --tests tests/test_decide.py 'advisor.decide*'
#
# --max-children  mutants tested at once (default 2; use 1 on a shared machine);
# --tests         the test files a mutant is run against, instead of the selection in
#                 [tool.mutmut] of pyproject.toml (a narrower, faster selection gives a lower
#                 bound of the score: a mutant it misses may be killed by another file).
#
# Not part of CI: on 2 cores the whole core takes hours (a mutant runs the in-process
# tests that cover its function; see [tool.mutmut] in pyproject.toml). It works on a
# throw-away copy of the committed checkout (git archive HEAD: commit first), so the
# tree you work in is never mutated.
set -euo pipefail
cd "$(dirname "$0")/.."
children=2
tests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --max-children) children=$2; shift 2 ;;
    --tests) tests=$2; shift 2 ;;
    *) break ;;
  esac
done
[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install --quiet "mutmut>=3.3,<4"
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=('advisor.decide*' 'advisor.analyze*' 'advisor.evidence.text*'
  'advisor.node.receive*' 'advisor.output.report*' 'advisor.node.journal*'
  'advisor.node.assemble*' 'advisor.node.dispatch*')
work=$(mktemp -d)
git archive HEAD | tar -x -C "$work"
cd "$work"
if [ -n "$tests" ]; then
  selection=$(printf '"%s", ' $tests)
  sed -i "s|^pytest_add_cli_args_test_selection = \[|pytest_add_cli_args_test_selection = [$selection|; /^pytest_add_cli_args_test_selection/,/^]/{/^    \"/d}" pyproject.toml
fi
# The tests need a loopback-only network namespace, as in scripts/run_tests.sh.
unshare --net bash -c 'ip link set lo up && "$0" run --max-children "$1" "${@:2}"' \
  "$OLDPWD/.venv/bin/mutmut" "$children" "${modules[@]}" >mutmut.log 2>&1 || true
"$OLDPWD/.venv/bin/mutmut" results --all true 2>/dev/null | awk -F': ' '
  /: / { name = $1; status = $2; gsub(/^ +/, "", name); module = name; sub(/\.x(_|ǁ).*/, "", module)
         if (status == "not checked") next
         total[module]++; if (status == "killed" || status == "timeout") killed[module]++ }
  END { for (m in total) printf "%-32s %4d/%-4d killed (%.0f%%)\n", m, killed[m], total[m], 100 * killed[m] / total[m] }' | sort
echo "mutants and results kept in $work (mutmut results / mutmut show NAME there)"
