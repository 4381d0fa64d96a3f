"""The finding JSON Schema: a compiled fast check, and readable messages when it fails.

fastjsonschema compiles the schema to Python once and checks a valid finding about
twenty times faster than jsonschema; jsonschema runs only on a finding that failed,
because its errors carry the path and the failed keyword we turn into a message.

The published schema also restates the named rules that depend on severity and status
(`closure-evidence`, `owner-due`, ...) as ``if``/``then`` blocks marked ``x-rule``, for
editors. Both validators here check the schema without those blocks: the named rules
report the same problems once, under their own names, and a valid finding stays on the
compiled fast path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from .catalogue import Standards
from .model import KeyPath

if TYPE_CHECKING:
    import jsonschema

SCHEMA_RESOURCE = "schemas/finding.schema.json"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_date(value: object) -> bool:
    """A real calendar date written YYYY-MM-DD: the one date form the contract accepts."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def schema_text() -> str:
    schema_file = resources.files("capa_docs.contract").joinpath(SCHEMA_RESOURCE)
    return schema_file.read_text(encoding="utf-8")


@cache
def finding_schema() -> dict[str, Any]:
    return json.loads(schema_text())


@cache
def shape_schema() -> dict[str, Any]:
    """The schema capa checks (rule `schema`): the published one without its ``x-rule``
    blocks, whose requirements the named rules report."""
    schema = dict(finding_schema())
    kept = [block for block in schema.get("allOf", [])
            if not (isinstance(block, dict) and "x-rule" in block)]
    if kept:
        schema["allOf"] = kept
    else:
        schema.pop("allOf", None)
    return schema


CLAUSE_RULE = "clause-unknown"


def clause_block(standards: Standards) -> dict[str, Any]:
    """The ``x-rule`` block restating rule `clause-unknown` for editors: every clause of
    the configured catalogues, as a finding may write it."""
    names = ", ".join(c.name for c in standards)
    return {
        "x-rule": CLAUSE_RULE,
        "description": f"Each of `clauses` is a clause or control of the register's "
                       f"standards ({names}), the first written bare, any qualified by "
                       "its ID (rule `clause-unknown`).",
        "properties": {"clauses": {"items": {"enum": standards.accepted()}}},
    }


def schema_for(standards: Standards) -> dict[str, Any]:
    """The published schema with its clause block for these standards: what `capa schema`
    prints for a register, so an editor knows the register's catalogues."""
    schema = dict(finding_schema())
    blocks = [b for b in schema.get("allOf", [])
              if not (isinstance(b, dict) and b.get("x-rule") == CLAUSE_RULE)]
    schema["allOf"] = [*blocks, clause_block(standards)]
    return schema


def schema_text_for(standards: Standards) -> str:
    """``schema_for`` as text; for the default standards, the shipped file itself."""
    schema = schema_for(standards)
    if schema == finding_schema():
        return schema_text()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def rule_blocks() -> dict[str, list[dict[str, Any]]]:
    """The published schema's ``x-rule`` blocks by rule name (for docs and tests)."""
    blocks: dict[str, list[dict[str, Any]]] = {}
    for block in finding_schema().get("allOf", []):
        if isinstance(block, dict) and "x-rule" in block:
            blocks.setdefault(block["x-rule"], []).append(block)
    return blocks


@cache
def fast_validator() -> Callable[[Any], Any]:
    schema = shape_schema()
    return fastjsonschema.compile(_inline_refs(schema, schema.get("$defs", {})),
                                  formats={"date": is_date})


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with local ``$ref``s copied in place, for the compiled fast path only.

    fastjsonschema turns each ``$ref`` into a call that formats the item's name with
    ``str.format(**locals())`` for every list item, even when nothing fails: a third of
    its time on a typical finding. Inlined, the same checks run without it.
    """
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        merged = {**defs[ref.removeprefix("#/$defs/")],
                  **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline_refs(merged, defs)
    return {key: _inline_refs(value, defs) for key, value in node.items() if key != "$defs"}


@cache
def _report_validator() -> jsonschema.protocols.Validator:
    import jsonschema  # only a failing finding needs it, and it costs 0.1 s to import

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(is_date)
    return jsonschema.Draft202012Validator(shape_schema(), format_checker=checker)


def is_valid(data: Any) -> bool:
    try:
        fast_validator()(data)
    except Exception:  # noqa: BLE001 - whatever the compiled check raises, it did not pass
        return False
    return True


def schema_errors(data: Any) -> Iterator[tuple[KeyPath, str]]:
    """(key path, message) for each way ``data`` breaks the schema, most useful first.

    Never raises: jsonschema builds each error's message with ``repr`` of the value,
    which can itself fail (an int too long to print), and a finding must end in a
    problem, not a traceback.
    """
    try:
        yield from _schema_errors(_printable(data))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        yield (), (f"the front matter cannot be checked against the schema "
                   f"({type(exc).__name__}); look for an absurdly long or unusual value")


class _LongInt(int):
    """An int too long for ``repr`` (Python refuses over 4,300 digits), shown by size."""

    def __repr__(self) -> str:
        return f"<a number of about {int(self.bit_length() * 0.30103):,} digits>"


def _printable(value: Any) -> Any:
    """``value`` with every int too long to print wrapped so that printing it works."""
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if type(value) is int and value.bit_length() > 14_000:
        return _LongInt(value)
    return value


def _schema_errors(data: Any) -> Iterator[tuple[KeyPath, str]]:
    if is_valid(data):
        return
    seen: set[tuple[KeyPath, str]] = set()
    wrong_type: set[KeyPath] = set()
    text_reported: set[KeyPath] = set()
    for error in sorted(_report_validator().iter_errors(data), key=_error_order):
        where = tuple(error.absolute_path)
        if error.validator == "type":
            wrong_type.add(where)
        elif where in wrong_type:
            continue  # one message per field: its type is wrong, nothing else matters
        if error.validator in ("minLength", "pattern"):
            if where in text_reported:
                continue
            text_reported.add(where)
        for keypath, message in _explain(error):
            if (keypath, message) not in seen:
                seen.add((keypath, message))
                yield keypath, message


def _error_order(error: jsonschema.ValidationError) -> tuple[Any, ...]:
    return tuple(str(p) for p in error.absolute_path), error.validator != "type"


def _field(path: KeyPath) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "front matter"


def _shown(value: Any) -> str:
    if value is True:
        return "true (YAML reads yes/no/on/off/true/false as booleans; quote it to keep text)"
    if value is False:
        return "false (YAML reads yes/no/on/off/true/false as booleans; quote it to keep text)"
    if value is None:
        return "an empty value"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # an int too long to print
        return "a number too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


def _explain(error: jsonschema.ValidationError) -> Iterator[tuple[KeyPath, str]]:
    path: KeyPath = tuple(error.absolute_path)
    name = _field(path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(instance) - set(allowed)):
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; allowed: {', '.join(allowed)}"
            yield (*path, key), f"unknown field `{_field((*path, key))}`{hint}"
    elif keyword == "required":
        missing = [k for k in error.validator_value if k not in (instance or {})]
        for key in missing:
            yield path, f"missing required field `{_field((*path, key))}`"
    elif keyword == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        yield path, f"`{name}` must be one of: {options}; got {_shown(instance)}"
    elif keyword == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        article = "an" if str(wanted)[0] in "aeiou" else "a"
        yield path, f"`{name}` must be {article} {wanted}; got {_shown(instance)}"
    elif keyword == "format" and error.validator_value == "date":
        yield path, (f"`{name}` must be a real date written YYYY-MM-DD; got {_shown(instance)}")
    elif keyword in ("oneOf", "anyOf"):
        if "x-hint" in schema:
            yield path, f"`{name}`: {schema['x-hint']}"
            return
        from jsonschema.exceptions import best_match

        best = best_match(error.context) if error.context else None
        if best is not None and best.validator not in ("required", "not"):
            yield from _explain(best)
        else:
            yield path, f"`{name}`: {schema.get('description', error.message)}"
    elif keyword == "minItems" and error.validator_value == 1:
        yield path, f"`{name}` must list at least one item"
    elif keyword in ("minLength", "pattern") and isinstance(instance, str):
        detail = schema.get("x-hint") or "it must be non-empty text on one line"
        yield path, f"`{name}` is not acceptable ({detail}); got {_shown(instance)}"
    elif keyword == "uniqueItems":
        yield path, f"`{name}` lists the same item twice"
    elif keyword == "minProperties":
        yield path, f"`{name}` is empty: {schema.get('description', 'fill it in')}"
    else:
        yield path, f"`{name}`: {error.message}"
