#!/usr/bin/env python3
"""Checks the library table of docs/Architecture.md ("Libraries and their
dependencies") against the CMake link graph, and the layering rules the page
states. Prints every mismatch and exits 1 if there is any.

The graph comes from every CMakeLists.txt under lib/, runtime/ and test/lib/:
`ohm_add_library(NAME ... LINK_PUBLIC ... LINK_PRIVATE ...)` (its keywords
are read from cmake/OhmAddLibrary.cmake), `add_library` and
`target_link_libraries`. A library is the project's own when one of those
files defines it; everything else (ohm_llvm, protobuf::libprotobuf, ...) is
external. Libraries of test/lib are checked when the table lists them.

The table's convention (stated above it in the page): "Depends on" names
the library's direct links to the project's own libraries, public and
private, separated by commas, without the `Ohm` prefix (`NN` is OhmNN;
runtime targets keep their names, `ohmrt_format`), or `—` (or `-`) for
none; an optional `;` starts free text about external packages, which is
not checked except that it must not name one of the project's libraries.
"Folder" is the directory of the CMakeLists.txt that defines the library.

Layering rules also checked: no dependency cycles; no runtime/ library
links a compiler or test library; no lib/ library links a test/lib library.

usage: scripts/check-architecture.py [--root DIR] [--doc PATH] [--graph]
"""
import argparse
import os
import re
import sys
from collections import namedtuple

SCANNED = ("lib", "runtime", os.path.join("test", "lib"))
TABLE_COLUMNS = ("Library", "Folder", "Depends on")
NONE_MARKERS = ("", "-", "\u2014", "none")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Token = namedtuple("Token", "text line quoted")
Command = namedtuple("Command", "name args line")
Dep = namedtuple("Dep", "name visibility file line")


class Library:
    def __init__(self, name, file, line):
        self.name, self.file, self.line = name, file, line
        self.deps = []  # Dep, in the order CMake states them

    @property
    def folder(self):
        return os.path.dirname(self.file)


# --- CMake ------------------------------------------------------------------

def cmake_commands(text):
    """Yields the command invocations of a CMake file, arguments tokenized
    (quoted, bracket and unquoted arguments; comments dropped)."""
    i, line, n = 0, 1, len(text)

    def skip_comment(i, line):
        bracket = re.match(r"#\[(=*)\[", text[i:])
        if bracket:
            end = text.find("]" + bracket.group(1) + "]", i)
            end = n if end < 0 else end + len(bracket.group(1)) + 2
        else:
            end = text.find("\n", i)
            end = n if end < 0 else end
        return end, line + text.count("\n", i, end)

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            i, line = skip_comment(i, line)
        else:
            match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text[i:])
            if not match:
                i += 1
                continue
            name, start_line = match.group(1), line
            line += match.group(0).count("\n")
            i += match.end()
            args, depth = [], 1
            while i < n and depth:
                c = text[i]
                if c == "\n":
                    line += 1
                    i += 1
                elif c.isspace():
                    i += 1
                elif c == "#":
                    i, line = skip_comment(i, line)
                elif c == "(":
                    depth += 1
                    i += 1
                elif c == ")":
                    depth -= 1
                    i += 1
                elif c == '"':
                    end = i + 1
                    while end < n and text[end] != '"':
                        end += 2 if text[end] == "\\" else 1
                    args.append(Token(text[i + 1:end], line, True))
                    line += text.count("\n", i, end)
                    i = end + 1
                elif re.match(r"\[=*\[", text[i:]):
                    eq = re.match(r"\[(=*)\[", text[i:]).group(1)
                    end = text.find("]" + eq + "]", i)
                    end = n if end < 0 else end
                    args.append(Token(text[i + len(eq) + 2:end], line, True))
                    line += text.count("\n", i, end)
                    i = end + len(eq) + 2
                else:
                    match = re.match(r'(?:[^\s()#"\\]|\\.)+', text[i:])
                    args.append(Token(match.group(0), line, False))
                    i += match.end()
            yield Command(name.lower(), args, start_line)


def link_items(token, variables):
    """The library names a link argument stands for: variables set in the
    same file are expanded, generator expressions reduced to their value.
    Returns (names, unresolved text or None)."""
    text = token.text
    for _ in range(10):
        expanded = re.sub(r"\$\{(\w+)\}",
                          lambda m: variables.get(m.group(1), m.group(0)), text)
        if expanded == text:
            break
        text = expanded
    if "${" in text:
        return [], text
    names = []
    for item in re.split(r"[;\s]+", text):
        while item.startswith("$<"):  # $<BUILD_INTERFACE:X>, $<$<C>:X>
            item = item[2:-1].rsplit(":", 1)[-1] if ":" in item else ""
        if item:
            names.append(item)
    return names, None


def ohm_add_library_keywords(root, problems):
    """The multi-value keywords of ohm_add_library, from its definition."""
    path = os.path.join(root, "cmake", "OhmAddLibrary.cmake")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as error:
        problems.append(f"cmake/OhmAddLibrary.cmake: cannot read ({error.strerror})")
        return {}
    for command in cmake_commands(text):
        if command.name == "cmake_parse_arguments" and len(command.args) >= 4:
            keywords = command.args[3].text.split(";")
            links = {k: ("private" if "PRIVATE" in k else
                         "interface" if "INTERFACE" in k else "public")
                     for k in keywords if k.startswith("LINK_")}
            if links:
                return {**dict.fromkeys(keywords), **links}
    problems.append("cmake/OhmAddLibrary.cmake: no cmake_parse_arguments with "
                    "LINK_* keywords; update scripts/check-architecture.py")
    return {}


TLL_KEYWORDS = {"PUBLIC": "public", "PRIVATE": "private", "INTERFACE": "interface",
                "LINK_PUBLIC": "public", "LINK_PRIVATE": "private",
                "LINK_INTERFACE_LIBRARIES": "interface"}
ADD_LIBRARY_KINDS = {"STATIC", "SHARED", "MODULE", "OBJECT", "INTERFACE",
                     "UNKNOWN", "EXCLUDE_FROM_ALL", "GLOBAL"}


def read_cmake(root, problems):
    """Every library defined under SCANNED, with its direct links."""
    keywords = ohm_add_library_keywords(root, problems)
    libraries, aliases, links = {}, {}, []  # links: (target, Dep)

    def define(name, rel, line):
        if name in libraries:
            other = libraries[name]
            problems.append(f"{rel}:{line}: library {name} is defined again "
                            f"(first at {other.file}:{other.line})")
        else:
            libraries[name] = Library(name, rel, line)

    def add_links(target, args, visibility_of, default, rel, variables):
        visibility = default
        for token in args:
            if not token.quoted and token.text in visibility_of:
                visibility = visibility_of[token.text]
                continue
            if token.text in ("debug", "optimized", "general"):
                continue
            if visibility is None:  # e.g. ohm_add_library's SOURCES
                continue
            names, unresolved = link_items(token, variables)
            if unresolved:
                problems.append(f"{rel}:{token.line}: cannot resolve link item "
                                f"{unresolved!r} of {target}")
            for name in names:
                links.append((target, Dep(name, visibility, rel, token.line)))

    for top in SCANNED:
        for directory, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs.sort()
            if "CMakeLists.txt" not in files:
                continue
            path = os.path.join(directory, "CMakeLists.txt")
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            variables = {}
            for command in cmake_commands(text):
                args = command.args
                if command.name == "set" and args:
                    variables[args[0].text] = ";".join(a.text for a in args[1:])
                elif command.name == "ohm_add_library" and args:
                    define(args[0].text, rel, command.line)
                    add_links(args[0].text, args[1:], keywords, None, rel, variables)
                elif command.name == "add_library" and args:
                    kinds = {a.text for a in args[1:3]}
                    if "IMPORTED" in kinds:
                        continue
                    if "ALIAS" in kinds and len(args) >= 3:
                        aliases[args[0].text] = args[2].text
                        continue
                    define(args[0].text, rel, command.line)
                elif command.name == "target_link_libraries" and args:
                    add_links(args[0].text, args[1:], TLL_KEYWORDS, "public",
                              rel, variables)
    for target, dep in links:
        target = aliases.get(target, target)
        if target in libraries:
            libraries[target].deps.append(dep._replace(name=aliases.get(dep.name, dep.name)))
    return libraries


def internal_deps(library, libraries):
    """{name: Dep} of the project's own libraries `library` links directly."""
    deps = {}
    for dep in library.deps:
        if dep.name in libraries and dep.name not in deps:
            deps[dep.name] = dep
    return deps


# --- The page ---------------------------------------------------------------

Row = namedtuple("Row", "line cells")


def split_row(line):
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip().replace("\\|", "|") for c in cells[1:-1]]


def read_table(doc_path, problems):
    """The rows of the library table, as {column: text} with line numbers."""
    try:
        with open(doc_path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as error:
        problems.append(f"{doc_path}: cannot read ({error.strerror})")
        return []
    for index, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            continue
        header = split_row(line)
        if all(column in header for column in TABLE_COLUMNS):
            break
    else:
        problems.append(f"{doc_path}: no table with the columns "
                        + ", ".join(TABLE_COLUMNS))
        return []
    rows = []
    for number in range(index + 2, len(lines)):  # after the |---| line
        line = lines[number]
        if not line.lstrip().startswith("|"):
            break
        cells = split_row(line)
        if len(cells) != len(header):
            problems.append(f"{doc_path}:{number + 1}: {len(cells)} cells, "
                            f"the header has {len(header)}")
            continue
        rows.append(Row(number + 1, dict(zip(header, cells))))
    return rows


def unquote(text):
    return text.strip().strip("`").strip()


def check_row(row, doc, libraries, problems):
    """Compares one row with the library it names."""
    where = f"{doc}:{row.line}"
    name = unquote(row.cells["Library"])
    library = libraries.get(name)
    if library is None:
        problems.append(f"{where}: row {name!r}: no such library is defined "
                        f"under {', '.join(t + '/' for t in SCANNED)}")
        return None
    folder = unquote(row.cells.get("Folder", library.folder)).rstrip("/")
    if os.path.normpath(folder) != os.path.normpath(library.folder):
        problems.append(f"{where}: row {name}: Folder is `{folder}`, but "
                        f"{library.file}:{library.line} defines it")

    internal, _, external = row.cells["Depends on"].partition(";")
    listed = {}
    if internal.strip() not in NONE_MARKERS:
        for entry in internal.split(","):
            entry = unquote(entry)
            if not IDENT.match(entry):
                problems.append(f"{where}: row {name}: {entry!r} before the ';' is "
                                f"not a library name (external packages go after "
                                f"the ';')")
                continue
            full = entry if entry.startswith("ohmrt") else "Ohm" + entry
            if full not in libraries:
                hint = (f" (write it as {entry[3:]})" if entry.startswith("Ohm")
                        and entry in libraries else "")
                problems.append(f"{where}: row {name}: lists {entry}, but no "
                                f"library {full} exists{hint}")
            elif full in listed:
                problems.append(f"{where}: row {name}: lists {entry} twice")
            else:
                listed[full] = entry
    for word in re.findall(r"\b(?:Ohm[A-Z]\w*|ohmrt\w*)\b", external):
        if word in libraries:
            problems.append(f"{where}: row {name}: {word} is one of the "
                            f"project's libraries; list it before the ';'")

    actual = internal_deps(library, libraries)
    for dep_name, dep in actual.items():
        if dep_name not in listed:
            problems.append(f"{dep.file}:{dep.line}: {name} links {dep_name} "
                            f"({dep.visibility}), but its row ({where}) does not "
                            f"list {short(dep_name)}")
    for full, entry in listed.items():
        if full in libraries and full not in actual:
            problems.append(f"{where}: row {name} lists {entry}, but {name} does "
                            f"not link {full} ({library.file})")
    return name


def short(name):
    return name[3:] if name.startswith("Ohm") else name


# --- Layering ---------------------------------------------------------------

def check_layering(libraries, problems):
    top = {name: lib.folder.split(os.sep)[0] if not lib.folder.startswith(
        os.path.join("test", "lib")) else "test/lib" for name, lib in libraries.items()}
    for name, library in sorted(libraries.items()):
        for dep_name, dep in internal_deps(library, libraries).items():
            if top[name] == "runtime" and top[dep_name] != "runtime":
                problems.append(f"{dep.file}:{dep.line}: runtime library {name} "
                                f"links {dep_name}; the runtime links no compiler "
                                f"or test library")
            if top[name] == "lib" and top[dep_name] == "test/lib":
                problems.append(f"{dep.file}:{dep.line}: compiler library {name} "
                                f"links the test-only library {dep_name}")
    state, stack = {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for dep_name in internal_deps(libraries[name], libraries):
            if state.get(dep_name) == "open":
                cycle = stack[stack.index(dep_name):] + [dep_name]
                problems.append(f"{libraries[name].file}: dependency cycle: "
                                + " -> ".join(cycle))
            elif dep_name not in state:
                visit(dep_name)
        stack.pop()
        state[name] = "done"

    for name in sorted(libraries):
        if name not in state:
            visit(name)


# --- Driver -----------------------------------------------------------------

def print_graph(libraries):
    for name, library in sorted(libraries.items(), key=lambda kv: kv[1].file):
        internal = [short(d) for d in internal_deps(library, libraries)]
        external = sorted({d.name for d in library.deps if d.name not in libraries})
        print(f"| {name} | `{library.folder}` | {', '.join(internal) or '-'}"
              f"{'; ' + ', '.join(external) if external else ''} |")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\nusage:")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), ".."), help="the source tree (default: "
        "this script's parent directory)")
    parser.add_argument("--doc", help="the page to check (default: "
                        "ROOT/docs/Architecture.md)")
    parser.add_argument("--graph", action="store_true", help="print the CMake "
                        "graph as table rows (external targets by CMake name) "
                        "and exit")
    args = parser.parse_args()
    root = os.path.normpath(args.root)
    doc = args.doc or os.path.join(root, "docs", "Architecture.md")
    doc_shown = os.path.relpath(doc, root) if not args.doc else doc

    problems = []
    libraries = read_cmake(root, problems)
    if not libraries:
        problems.append(f"{root}: no libraries defined under "
                        + ", ".join(t + "/" for t in SCANNED))
    if args.graph:
        print_graph(libraries)
        return 0
    rows = read_table(doc, problems)
    documented = set()
    for row in rows:
        name = check_row(row, doc_shown, libraries, problems)
        if name in documented:
            problems.append(f"{doc_shown}:{row.line}: a second row for {name}")
        documented.add(name)
    if rows:
        for name, library in sorted(libraries.items()):
            optional = library.folder.startswith(os.path.join("test", "lib"))
            if name not in documented and not optional:
                problems.append(f"{library.file}:{library.line}: library {name} "
                                f"has no row in {doc_shown}'s library table")
    check_layering(libraries, problems)

    for problem in problems:
        print(problem)
    if problems:
        print(f"check-architecture: {len(problems)} "
              f"{'mismatch' if len(problems) == 1 else 'mismatches'} between "
              f"{doc_shown} and CMake")
        return 1
    checked = [libraries[n] for n in documented]
    count = sum(len(internal_deps(lib, libraries)) for lib in checked)
    print(f"check-architecture: {len(checked)} libraries and their {count} "
          f"direct internal dependencies as {doc_shown} lists them; no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
