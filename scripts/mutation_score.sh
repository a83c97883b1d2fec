#!/usr/bin/env bash
# Mutation testing with mutmut over the core modules; prints the killed share per module.
#
#   bash scripts/mutation_score.sh [MODULE_GLOB ...]     e.g. 'advisor.decide*'
#
# Not part of CI: on 2 cores the whole core takes hours (a mutant runs the in-process
# tests that cover its function; see [tool.mutmut] in pyproject.toml). It works on a
# throw-away copy of the checkout, so the tree you work in is never mutated.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install --quiet "mutmut>=3.3,<4"
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=('advisor.decide*' 'advisor.analyze*' 'advisor.evidence.text*'
  'advisor.node.receive*' 'advisor.output.report*' 'advisor.node.journal*'
  'advisor.node.assemble*' 'advisor.node.dispatch*')
work=$(mktemp -d)
git archive HEAD | tar -x -C "$work"
cd "$work"
# The tests need a loopback-only network namespace, as in scripts/run_tests.sh.
unshare --net bash -c 'ip link set lo up && "$0" run --max-children 2 "$@"' \
  "$OLDPWD/.venv/bin/mutmut" "${modules[@]}" >/dev/null 2>&1 || true
"$OLDPWD/.venv/bin/mutmut" results --all true 2>/dev/null | awk -F': ' '
  /: / { name = $1; status = $2; gsub(/^ +/, "", name); split(name, part, ".x_"); module = part[1]
         if (status == "not checked") next
         total[module]++; if (status == "killed" || status == "timeout") killed[module]++ }
  END { for (m in total) printf "%-32s %4d/%-4d killed (%.0f%%)\n", m, killed[m], total[m], 100 * killed[m] / total[m] }' | sort
echo "mutants and results kept in $work (mutmut browse there to read the survivors)"
