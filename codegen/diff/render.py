"""A diff report as text (a terminal), JSON (tools) or Markdown (a merge-request comment)."""

from __future__ import annotations

import json

from codegen.diff.changes import Area, Change, DiffReport

_AREA_TITLES = {Area.MODEL: "Model", Area.API: "API", Area.ISTIO: "Istio"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _summary(report: DiffReport) -> str:
    breaking = len(report.breaking)
    other = len(report.changes) - breaking
    if not report.changes:
        return "no changes"
    return f"{_count(breaking, 'breaking change')}, {_count(other, 'other change')}"


def render_text(report: DiffReport) -> str:
    lines = [f"{report.old} → {report.new}: {_summary(report)}"]
    for area in Area:
        changes = report.in_area(area)
        if not changes:
            continue
        lines.append(f"{_AREA_TITLES[area]}:")
        for change in changes:
            mark = "BREAKING" if change.breaking else "        "
            lines.append(f"  {mark} {change.scope}: {change.detail} [{change.rule}]")
    return "\n".join(lines) + "\n"


def render_json(report: DiffReport) -> str:
    document = {
        "old": report.old,
        "new": report.new,
        "breaking": len(report.breaking),
        "changes": [change.to_json() for change in report.changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(changes: tuple[Change, ...]) -> list[str]:
    lines = ["| area | where | change | rule |", "|---|---|---|---|"]
    for change in changes:
        cells = (_AREA_TITLES[change.area], _cell(change.scope), _cell(change.detail), f"`{change.rule}`")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: DiffReport) -> str:
    lines = [f"### Regulation diff: `{report.old}` → `{report.new}`", ""]
    if not report.changes:
        return "\n".join([*lines, "No changes to the model, the API or the Istio rules.", ""])
    breaking = report.breaking
    other = tuple(c for c in report.changes if not c.breaking)
    verdict = ":x: **Breaking**" if breaking else ":white_check_mark: **Compatible**"
    lines += [f"{verdict}: {_summary(report)}.", ""]
    if breaking:
        lines += ["#### Breaking changes", "", *_table(breaking), ""]
    if other:
        lines += ["<details><summary>Other changes</summary>", "", *_table(other), "", "</details>", ""]
    lines.append("Rules: see `docs/diff.md` of registry-api.")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
