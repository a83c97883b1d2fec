"""The package's imports run downhill, as the pipeline does (README "How it works").

evidence -> analyze -> decide -> output, orchestrated by node; web only reads
the journal. Each rule names the modules a stage must never import.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "advisor"

# stage (module prefix) -> prefixes it must not import
FORBIDDEN = {
    "advisor.evidence": ("advisor.node", "advisor.output", "advisor.web", "advisor.analyze",
                         "advisor.decide", "advisor.cli"),
    "advisor.analyze": ("advisor.node", "advisor.output", "advisor.web", "advisor.decide",
                        "advisor.cli"),
    "advisor.decide": ("advisor.node", "advisor.evidence", "advisor.output", "advisor.web",
                       "advisor.analyze", "advisor.cli"),
    "advisor.protocols": ("advisor.node", "advisor.evidence", "advisor.output", "advisor.web",
                          "advisor.analyze", "advisor.decide", "advisor.cli"),
    "advisor.model": ("advisor.node", "advisor.evidence", "advisor.output", "advisor.web",
                      "advisor.analyze", "advisor.decide", "advisor.cli"),
    "advisor.output": ("advisor.node", "advisor.web", "advisor.cli"),
    "advisor.node": ("advisor.cli",),
}
# The web page may read the journal, and nothing else of the node.
WEB_MAY_IMPORT_FROM_NODE = {"advisor.node.journal"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of the advisor modules ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("advisor")}


MODULES = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downhill(module):
    rules = [bad for stage, bad in FORBIDDEN.items() if _under(module, stage)]
    wrong = sorted(name for name in MODULES[module]
                   for bad in rules for prefix in bad if _under(name, prefix))
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _under(m, "advisor.web")))
def test_web_reads_only_the_journal_of_the_node(module):
    wrong = sorted(name for name in MODULES[module] if _under(name, "advisor.node")
                   and not any(_under(name, ok) for ok in WEB_MAY_IMPORT_FROM_NODE))
    assert not wrong, f"{module} imports {wrong}"


def test_the_rules_see_every_stage():
    stages = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert {"node", "evidence", "output", "web", "analyze", "decide"} <= stages


def test_the_key_image_decodes_through_evidence_pixels_not_the_detector():
    assert "advisor.evidence.pixels" in MODULES["advisor.output.keyimage"]
    assert not any(_under(n, "advisor.evidence.detect") for n in MODULES["advisor.output.keyimage"])
