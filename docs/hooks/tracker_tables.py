"""Each built-in tracker's parameters as Markdown tables, read from its ``Params`` dataclass.

Name, type and default come from the dataclass fields; the search range from
``tunable`` metadata (``trackers/space.py``, what ``bench tune`` searches); the
explanation from the comment beside each field in the source, where the
trackers document their parameters.  Nothing is written by hand, so the page
follows the code.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import tokenize
import typing


def tracker_parameters() -> str:
    """A section per built-in tracker: public class, paper, needs, and its parameter table."""
    from trackbench import trackers as registry

    public = {name: cls for cls, name in registry.CLASSES.items()}
    sections = []
    for name in registry.defaults():
        if name not in public:
            continue  # plug-ins installed here are not part of trackbench's documentation
        cls = registry.tracker_class(name)
        needs = [k for k, v in dataclasses.asdict(cls.requires).items() if v]
        head = [f"### `{name}`", "", f"`trackbench.trackers.{public[name]}`"
                + (f" — {cls.paper}" if cls.paper else "") + ".",
                "", f"Needs: {', '.join(needs) if needs else 'boxes only'}."]
        sections.append("\n".join(head + ["", parameter_table(cls.Params)]))
    return "\n\n".join(sections) + "\n"


def parameter_table(params_cls: type) -> str:
    """``| parameter | type | default | bench tune range | meaning |`` for every field, in field order."""
    from trackbench.trackers.space import declared_space

    ranges = {n: d.describe() for n, d in declared_space(params_cls).items()}
    hints = typing.get_type_hints(params_cls)
    comments = field_comments(params_cls)
    rows = ["| parameter | type | default | `bench tune` range | meaning |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(params_cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        shown = f.name[:-1] if f.name.endswith("_") else f.name  # lambda_ is given as lambda
        rows.append(f"| `{shown}` | {_type(hints[f.name])} | `{default!r}` | {ranges.get(f.name, '–')} | "
                    f"{_cell(comments.get(f.name, ''))} |")
    return "\n".join(rows)


def field_comments(params_cls: type) -> dict[str, str]:
    """{field: the comment on its line} for a dataclass and the dataclasses it inherits from."""
    found: dict[str, str] = {}
    for klass in reversed(params_cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        found.update(_comments_by_field(source))
    return found


def _comments_by_field(source: str) -> dict[str, str]:
    """Annotated names (``name: type = ...``) at the class body's indentation, with their trailing comment."""
    body_indent = None
    out: dict[str, str] = {}
    tokens = list(tokenize.generate_tokens(io.StringIO(inspect.cleandoc(source) + "\n").readline))
    comment_at = {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}
    for number, line in enumerate(inspect.cleandoc(source).splitlines(), start=1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        head = stripped.split(":", 1)[0]
        if ":" not in stripped or not head.isidentifier() or stripped.startswith(("def ", "class ", "return")):
            continue
        if body_indent is None:
            body_indent = indent
        if indent == body_indent and number in comment_at:
            out[head] = comment_at[number]
    return out


def _type(hint: typing.Any) -> str:
    args = typing.get_args(hint)
    if args:
        return " \\| ".join(getattr(a, "__name__", str(a)).replace("NoneType", "None") for a in args)
    return getattr(hint, "__name__", str(hint))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
