"""The steps counted in 【手順 n/N】: N is the most steps any one set of the answers still open can lead to (steps
that exclude each other count once), so it never overstates and only ever shrinks as the reporter answers."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes

from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile
from bot.triage.templating import answer_ids_used, expression_source, make_environment

MAX_TRIALS = 256  # conditions sharing more open choices than this are all counted, not enumerated
UNANSWERED = None  # an optional input may be left blank: its absence is one of the outcomes tried
CACHED_SHAPES = 1024  # distinct (playbook, profile, answers read, inputs open) groups whose maximum is kept


def counted(library: PlaybookLibrary, kind: str, profile: Profile, context: Mapping[str, Any],
            states: Mapping[str, Any], applicable: Collection[str] | None = None) -> list[str]:
    """The steps that apply now, in order, then as many that may yet apply as make the count N: the largest number
    of steps one set of answers to the inputs still open (inputs of steps not done or skipped, `states`: step id →
    its StepState row; each choice, or none) makes apply. A step's position in the list is its n. `applicable`:
    the ids library.applicable_steps gave for this very context, when the caller holds them."""
    settled = {step_id for step_id, row in states.items() if row.status != "pending"}
    locale = str(context.get("locale") or "ja")
    # The caller's applicable_steps already evaluated every `when` in this context: not built or evaluated again.
    full = library.context(kind, profile, context, locale) if applicable is None else {}
    base = profile.base or profile.id
    steps = [step for step in library.playbook(kind).steps if step.applies_to(base)]
    open_inputs = {item.id: tuple(choice.value for choice in item.choices)
                   for step in steps if step.id not in settled for item in step.inputs}
    answers = {key: value for key, value in (context.get("answers") or {}).items() if value not in (None, "")}

    now: list[str] = []
    uncertain: dict[str, tuple[str, ...]] = {}  # step id → the open inputs its condition reads
    for step in steps:
        when = library.step_templates(kind, step.id).when
        if when is None or (step.id in applicable if applicable is not None else bool(when(**full))):
            now.append(step.id)
        if step.when:
            pending = tuple(sorted(n for n in _reads(step.when).ids if n in open_inputs and n not in answers))
            if pending:
                uncertain[step.id] = pending
    best = {step_id for step_id in now if step_id not in uncertain}
    for group in _groups(uncertain, open_inputs):
        shape = _Shape(library, kind, profile, locale, tuple(s.id for s in steps if s.id in group),
                       tuple(sorted({n for s in group for n in uncertain[s]})), open_inputs)
        reads = [_reads(s.when or "") for s in steps if s.id in group]
        if all(read.pure for read in reads):  # the maximum depends on nothing but the shape: worked out once
            read_ids = {n for read in reads for n in read.ids}
            shape.fixed = tuple(sorted((n, str(v)) for n, v in answers.items() if n in read_ids))
            best |= _most_cached(shape)
        else:
            best |= _most(shape, context, answers)
    extra = [step.id for step in steps if step.id in best and step.id not in now]
    return now + extra[:max(0, len(best) - len(now))]


@dataclass(frozen=True)
class _Read:
    """What a `when` reads: answer ids, and whether nothing else than answers and the profile's id or base."""

    ids: frozenset[str]
    pure: bool


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _reads(source: str) -> _Read:
    """The answers a `when` reads (answers.x, answers['x'], chosen.x) and whether it reads nothing else."""
    env = make_environment()
    wrapped = expression_source(source)
    tree = env.parse(wrapped)
    used = [node for node in tree.find_all(nodes.Name)]
    plain = sum(1 for node in tree.find_all((nodes.Getattr, nodes.Getitem)) if isinstance(node.node, nodes.Name) and (
        (node.node.name == "profile" and isinstance(node, nodes.Getattr) and node.attr in ("id", "base"))
        or (node.node.name in ("answers", "chosen") and (isinstance(node, nodes.Getattr) or (
            isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str))))))
    # Every name loaded is an answer or the profile's id or base (no severity, incident or now).
    pure = plain == sum(1 for node in used if node.ctx == "load")
    return _Read(frozenset(answer_ids_used(env, wrapped)), pure)


def _groups(uncertain: Mapping[str, tuple[str, ...]], open_inputs: Mapping[str, tuple[str, ...]]) -> list[set[str]]:
    """Steps whose conditions share an open input, together (their answers are chosen jointly); a step reading
    free text stands alone (anything may be written, so it is counted as applying)."""
    groups: list[tuple[set[str], set[str]]] = []  # (step ids, inputs read)
    for step_id, read in uncertain.items():
        if any(not open_inputs[name] for name in read):
            groups.append(({step_id}, set()))
            continue
        merged = ({step_id}, set(read))
        for group in [group for group in groups if group[1] & merged[1]]:
            merged[0].update(group[0])
            merged[1].update(group[1])
            groups.remove(group)
        groups.append(merged)
    return [ids for ids, _ in groups]


@dataclass(eq=False)
class _Shape:
    """One group of steps to maximise: equal, for the cache, when the playbook, the profile's id and base, the
    locale, the steps, the inputs open (and their choices) and the answers their conditions read are."""

    library: PlaybookLibrary
    kind: str
    profile: Profile
    locale: str
    steps: tuple[str, ...]
    pending: tuple[str, ...]
    open_inputs: Mapping[str, tuple[str, ...]]
    fixed: tuple[tuple[str, str], ...] = field(default=())

    def key(self) -> tuple[Any, ...]:
        """What the maximum depends on when every condition is pure."""
        return (id(self.library), self.kind, self.profile.id, self.profile.base, self.locale, self.steps,
                tuple((name, self.open_inputs[name]) for name in self.pending), self.fixed)

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shape) and other.library is self.library and other.key() == self.key()


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _most_cached(shape: _Shape) -> frozenset[str]:
    """_most for a shape whose conditions read only answers and the profile: the same for every incident."""
    return _most(shape, {}, dict(shape.fixed))


def _most(shape: _Shape, context: Mapping[str, Any], answers: dict[str, Any]) -> frozenset[str]:
    """The most of the shape's steps one set of answers to the open inputs they read makes apply."""
    if any(not shape.open_inputs[name] for name in shape.pending):
        return frozenset(shape.steps)
    options = [[*shape.open_inputs[name], UNANSWERED] for name in shape.pending]
    if math.prod(len(values) for values in options) > MAX_TRIALS:
        return frozenset(shape.steps)
    library, kind = shape.library, shape.kind
    conditions = [(step_id, library.step_templates(kind, step_id).when) for step_id in shape.steps]
    found: frozenset[str] = frozenset()
    for trial in itertools.product(*options):
        tried = answers | {name: value for name, value in zip(shape.pending, trial, strict=True)
                           if value is not UNANSWERED}
        full = library.context(kind, shape.profile, {**context, "answers": tried}, shape.locale)
        holding = frozenset(step_id for step_id, when in conditions if when is None or bool(when(**full)))
        if len(holding) > len(found):
            found = holding
            if len(found) == len(shape.steps):
                break
    return found
