"""Reading a pack folder: YAML files to one content document, with the file and line of every node.

PyYAML's `compose` keeps each node's position, which plain `safe_load` throws away; with it every problem is
reported as `file:line: path: reason`, which is what a pack author needs to fix a 2,000-line matrix.
"""

from pathlib import Path as FsPath
from typing import Any

import yaml
from django.utils.translation import gettext

from opennrm.jurisdiction.schema import SECTIONS, Pack
from opennrm.jurisdiction.validation import PackInvalid, Path, Problem, check_content, format_path

__all__ = ["PackInvalid", "Problem", "load_pack_dir", "read_pack_dir"]

Locations = dict[Path, tuple[str, int]]
MAX_VALUES = 1_000_000


class _Abandon(Exception):
    """The file cannot be read safely; its problem is already recorded."""


class _FileReader:
    """Turns one file's node tree into Python data, recording lines and refusing duplicate keys."""

    def __init__(self, name: str, loader: yaml.SafeLoader) -> None:
        self.name = name
        self.loader = loader
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.open_nodes: list[yaml.Node] = []
        self.built = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        # Aliases re-use nodes: a node inside itself would recurse for ever, and nested aliases can expand
        # exponentially ("billion laughs"), so both are refused rather than followed.
        self.built += 1
        if node in self.open_nodes or self.built > MAX_VALUES:
            reason = gettext("recursive alias") if node in self.open_nodes else gettext("too many values")
            line = self.lines.get(path, node.start_mark.line + 1)
            self.problems.append(Problem(self.name, line, format_path(path), reason))
            raise _Abandon
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        self.open_nodes.append(node)
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index)))
            return items
        finally:
            self.open_nodes.pop()

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        self.loader.flatten_mapping(node)  # resolves `<<:` merge keys the way safe_load would
        result: dict = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problems.append(Problem(self.name, line, format_path(path), gettext("a key must be text")))
                continue
            key_path = (*path, str(key))
            if key in first_seen:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        format_path(key_path),
                        gettext("duplicate key '%(key)s' (first at line %(first)d)")
                        % {"key": key, "first": first_seen[key]},
                    )
                )
                continue
            first_seen[key] = line
            self.lines[key_path] = line
            result[str(key) if not isinstance(key, str) else key] = self.build(value_node, key_path)
        return result


def _read_file(file: FsPath) -> tuple[Any, _FileReader | None, list[Problem]]:
    name = file.name
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, None, [Problem(name, 0, "", gettext("the file is not UTF-8 text"))]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, []
        reader = _FileReader(name, loader)
        try:
            return reader.build(node, ()), reader, reader.problems
        except _Abandon:
            return None, None, reader.problems
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = gettext("invalid YAML: %(problem)s") % {"problem": error.problem or error.context}
        return None, None, [Problem(name, mark.line + 1 if mark else 0, "", reason)]
    except yaml.YAMLError as error:
        return None, None, [Problem(name, 0, "", gettext("invalid YAML: %(problem)s") % {"problem": error})]
    finally:
        loader.dispose()


def read_pack_dir(path: FsPath | str) -> tuple[dict, Locations, list[Problem], bool]:
    """The merged content of a pack folder, where each path came from, the file-level problems, and whether
    every file could be parsed. Subfolders (e.g. demo/) are not part of the pack and are not read."""
    folder = FsPath(path)
    if not folder.is_dir():
        return {}, {}, [Problem(str(folder), 0, "", gettext("no such folder"))], False
    files = sorted(file for file in folder.glob("*.yaml") if file.is_file())
    if not files:
        return {}, {}, [Problem(str(folder), 0, "", gettext("the folder has no *.yaml files"))], False
    problems: list[Problem] = []
    all_parsed = True
    occurrences = []  # (file name, section, value, reader)
    for file in files:
        data, reader, file_problems = _read_file(file)
        problems += file_problems
        if reader is None:
            all_parsed = all_parsed and not file_problems
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(file.name, 1, "", gettext("a pack file must be a mapping of sections (section: ...)"))
            )
            continue
        occurrences += [(file.name, section, value, reader) for section, value in data.items()]
    # When a section appears twice, the file named after it (stages.yaml for `stages`) is the real one.
    occurrences.sort(key=lambda o: (o[0] != f"{o[1]}.yaml", o[0]))
    content: dict = {}
    locations: Locations = {}
    origin: dict[str, str] = {}
    for name, section, value, reader in occurrences:
        line = reader.lines[(section,)]
        if section not in SECTIONS:
            reason = gettext("unknown section (allowed: %(allowed)s)") % {"allowed": ", ".join(SECTIONS)}
            problems.append(Problem(name, line, section, reason))
        elif section in origin:
            reason = gettext("section already defined in %(other)s") % {"other": origin[section]}
            problems.append(Problem(name, line, section, reason))
        else:
            origin[section] = name
            content[section] = value
            locations.update({key: (name, number) for key, number in reader.lines.items() if key[0] == section})
    return content, locations, problems, all_parsed


def locate(locations: Locations, path: Path) -> tuple[str, int]:
    """The file and line of `path`, or of its nearest ancestor that has one (a missing field has none)."""
    for end in range(len(path), 0, -1):
        if path[:end] in locations:
            return locations[path[:end]]
    return "", 0


def load_pack_dir(path: FsPath | str) -> Pack:
    """The validated pack in a folder, or PackInvalid listing every problem as `file:line: path: reason`."""
    content, locations, problems, all_parsed = read_pack_dir(path)
    pack, issues = check_content(content) if content or all_parsed else (None, [])
    for issue_path, reason in issues:
        if not all_parsed and _may_come_from_unreadable_file(issue_path, content):
            continue
        file, line = locate(locations, issue_path)
        problems.append(Problem(file, line, format_path(issue_path), reason))
    if problems or pack is None:
        raise PackInvalid(problems)
    return pack


def _may_come_from_unreadable_file(path: Path, content: dict) -> bool:
    # A file with a YAML error defined some sections we cannot see; their absence is not a second problem.
    if len(path) == 1 and path[0] not in content:
        return True
    return path[:1] == ("matrix",) and "legal_basis" in path and "legal_bases" not in content
