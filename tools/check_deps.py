#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the module graph of docs/design/000-architecture.md against the code.

For every module folder src/<m>/:
  - the module must be listed in the table between the module-graph markers;
  - every `#include "vigil/<x>/..."` in its sources must name <m> itself or a
    module the table lets <m> depend on;
  - every vigil module named in the DEPS of its CMakeLists.txt must be allowed.
The build enforces the same graph (a module sees only the headers of what it
links, and vigil_forbid_link fails the configure step); this check also
catches an edge added to both the code and the CMake file by mistake.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs/design/000-architecture.md"
INCLUDE = re.compile(r'#include\s+"vigil/([a-z_]+)/')
DEPS = re.compile(r"DEPS([^)]*?)(?:LIBS|LABELS|\))", re.S)


def allowed_graph() -> dict[str, set[str]]:
    text = DOC.read_text()
    block = text.split("<!-- module-graph:begin -->")[1].split("<!-- module-graph:end -->")[0]
    graph = {}
    for line in block.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("module", "") or set(cells[0]) <= set("-: "):
            continue
        deps = {d.strip().strip("`") for d in cells[1].split(",") if d.strip() not in ("", "—", "-")}
        graph[cells[0]] = deps
    return graph


def main() -> int:
    graph = allowed_graph()
    problems = []
    for module_dir in sorted(p for p in (ROOT / "src").iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in graph:
            problems.append(f"src/{module}: not in the module table of {DOC.relative_to(ROOT)}")
            continue
        ok = graph[module] | {module}
        for source in sorted(module_dir.rglob("*")):
            if source.suffix not in (".h", ".cc"):
                continue
            for number, line in enumerate(source.read_text().splitlines(), 1):
                m = INCLUDE.search(line)
                if m and m.group(1) not in ok:
                    problems.append(f"{source.relative_to(ROOT)}:{number}: {module} may not include vigil/{m.group(1)}/")
        cmake = module_dir / "CMakeLists.txt"
        if cmake.exists():
            for block in DEPS.findall(cmake.read_text()):
                for dep in block.split():
                    if dep not in ok:
                        problems.append(f"{cmake.relative_to(ROOT)}: {module} may not link {dep}")
    for p in problems:
        print(p)
    print(f"check_deps: {len(graph)} modules in the table, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
