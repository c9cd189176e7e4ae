"""The rule set document as declarative models: what each part may hold, and the words
a refusal uses. A condition and an outcome are one-key mappings (`{term_hits: {...}}`),
told apart by their key. `modmesh.decision.policy.document` reads documents with these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    StrictBool,
    Tag,
    ValidationInfo,
    field_validator,
)

from modmesh.contracts.evidence import Severity
from modmesh.decision.domain import ActionType, Priority
from modmesh.decision.policy.checks import (
    Body,
    Names,
    OptionalNames,
    at_least_one,
    distance,
    number,
    one_of,
    refuse,
    required_text,
    text,
)
from modmesh.decision.policy.conditions import (
    AccountFlagsCondition,
    Condition,
    LanguageCondition,
    ModelScoreCondition,
    SimilarityCondition,
    TermHitsCondition,
)
from modmesh.decision.policy.rule_set import DEFAULT_SLA_HOURS, OutcomeKind, Rule, RuleOutcome

OUTCOME_KINDS = tuple(kind.value for kind in OutcomeKind)
_PRIORITY_NAMES = ("evidence", *(p.name.lower() for p in Priority))
#: What a rule may do by itself (END_STREAM acts on live streams only).
_AUTO_ACTIONS = (ActionType.REMOVE_CONTENT.value.lower(), ActionType.END_STREAM.value.lower())


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- conditions


class TermHitsSpec(_Spec):
    lists: OptionalNames = None
    categories: OptionalNames = None
    min_severity: Annotated[
        Literal["low", "medium", "high", "critical"] | None,
        one_of(
            ("LOW", "MEDIUM", "HIGH", "CRITICAL"),
            str.upper,
            "must be one of: low, medium, high, critical",
        ),
    ] = None
    min_count: Annotated[int, BeforeValidator(at_least_one), Field(ge=1)] = 1
    sounds_like: StrictBool = False

    def to_condition(self) -> Condition:
        return TermHitsCondition(
            None if self.lists is None else frozenset(self.lists),
            None if self.categories is None else frozenset(self.categories),
            Severity.UNSPECIFIED
            if self.min_severity is None
            else Severity[self.min_severity.upper()],
            self.min_count,
            self.sounds_like,
        )


class SimilaritySpec(_Spec):
    banks: OptionalNames = None
    min_match_percent: Annotated[float, BeforeValidator(number(0, 100)), Field(ge=0, le=100)] = 0
    max_distance: Annotated[int | None, BeforeValidator(distance), Field(ge=0, le=256)] = None

    def to_condition(self) -> Condition:
        banks = None if self.banks is None else frozenset(self.banks)
        return SimilarityCondition(banks, self.min_match_percent, self.max_distance)


class AccountFlagsSpec(_Spec):
    any_of: Names

    def to_condition(self) -> Condition:
        return AccountFlagsCondition(frozenset(self.any_of))


class ModelScoreSpec(_Spec):
    model: Annotated[
        str,
        BeforeValidator(
            # A model's name is taken as written, spaces and all.
            required_text("the model's name", blank_allowed=True)
        ),
    ]
    #: Left out: the example set's own threshold for the category.
    min_score: Annotated[float | None, BeforeValidator(number(0, 1)), Field(ge=0, le=1)] = None
    category: Annotated[str | None, BeforeValidator(required_text("a category's name"))] = None

    def to_condition(self) -> Condition:
        return ModelScoreCondition(self.model, self.min_score, self.category)


class LanguageSpec(_Spec):
    languages: Names = Field(alias="in")

    def to_condition(self) -> Condition:
        return LanguageCondition(frozenset(self.languages))


class TermHitsWhen(_Spec):
    term_hits: Annotated[TermHitsSpec, Body]


class SimilarityWhen(_Spec):
    similarity: Annotated[SimilaritySpec, Body]


class AccountFlagsWhen(_Spec):
    account_flags: Annotated[AccountFlagsSpec, Body]


class ModelScoreWhen(_Spec):
    model_score: Annotated[ModelScoreSpec, Body]


class LanguageWhen(_Spec):
    language: Annotated[LanguageSpec, Body]


def _only_key(value: Any) -> str | None:
    """The key of a one-key mapping: which kind of condition or outcome it is."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return None


ConditionSpec = Annotated[
    Annotated[TermHitsWhen, Tag("term_hits")]
    | Annotated[SimilarityWhen, Tag("similarity")]
    | Annotated[AccountFlagsWhen, Tag("account_flags")]
    | Annotated[ModelScoreWhen, Tag("model_score")]
    | Annotated[LanguageWhen, Tag("language")],
    Discriminator(_only_key),
]
CONDITION_KINDS = ("account_flags", "language", "model_score", "similarity", "term_hits")


def _condition(when: BaseModel) -> Condition:
    """The condition a one-key wrapper (e.g. `TermHitsWhen`) holds."""
    match when:
        case TermHitsWhen():
            return when.term_hits.to_condition()
        case SimilarityWhen():
            return when.similarity.to_condition()
        case AccountFlagsWhen():
            return when.account_flags.to_condition()
        case ModelScoreWhen():
            return when.model_score.to_condition()
        case LanguageWhen():
            return when.language.to_condition()
    raise TypeError(f"not a condition: {when!r}")


def _conditions(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise refuse("unreachable: needs at least one condition")
    return value


Conditions = Annotated[list[ConditionSpec], BeforeValidator(_conditions)]


class AllWhen(_Spec):
    every: Conditions = Field(alias="all")


class AnyWhen(_Spec):
    some: Conditions = Field(alias="any")


def _when_mode(value: Any) -> str | None:
    key = _only_key(value)
    return key if key in ("all", "any") else None


WhenSpec = Annotated[
    Annotated[AllWhen, Tag("all")] | Annotated[AnyWhen, Tag("any")],
    Discriminator(
        _when_mode,
        custom_error_type="rule_document",
        custom_error_message="must be {all: [conditions]} or {any: [conditions]}",
    ),
]


def mode_and_conditions(when: AllWhen | AnyWhen) -> tuple[str, tuple[Condition, ...]]:
    mode, specs = ("all", when.every) if isinstance(when, AllWhen) else ("any", when.some)
    return mode, tuple(_condition(spec) for spec in specs)


# ------------------------------------------------------------------------------ outcomes


class QueueSpec(_Spec):
    priority: Annotated[
        Literal["evidence", "low", "medium", "high", "urgent"],
        one_of(_PRIORITY_NAMES, str.lower, f"must be one of: {', '.join(_PRIORITY_NAMES)}"),
    ] = "evidence"
    sla_hours: Annotated[
        float, BeforeValidator(number(0.01, 24 * 365)), Field(ge=0.01, le=24 * 365)
    ] = DEFAULT_SLA_HOURS

    def to_outcome(self) -> RuleOutcome:
        priority = None if self.priority == "evidence" else Priority[self.priority.upper()]
        return RuleOutcome(OutcomeKind.QUEUE, priority, self.sla_hours)


class AutoActionSpec(_Spec):
    action: Annotated[
        Literal["remove_content", "end_stream"],
        one_of(
            [a.upper() for a in _AUTO_ACTIONS],
            str.upper,
            "must be remove_content, or end_stream for live streams",
        ),
    ]
    policy: Annotated[str, BeforeValidator(required_text("the policy the action applies"))]
    #: A model's score alone may trigger the action: without it such a rule is refused.
    on_model_score_alone: StrictBool = False

    def to_outcome(self) -> RuleOutcome:
        action = ActionType(self.action.upper())
        return RuleOutcome(OutcomeKind.AUTO_ACTION, action=action, policy=self.policy)


class IgnoreSpec(_Spec):
    reason: Annotated[str, BeforeValidator(required_text("why such evidence is ignored"))]

    def to_outcome(self) -> RuleOutcome:
        return RuleOutcome(OutcomeKind.IGNORE, reason=self.reason)


class QueueThen(_Spec):
    queue: Annotated[QueueSpec, Body]


class AutoActionThen(_Spec):
    auto_action: Annotated[AutoActionSpec, Body]


class IgnoreThen(_Spec):
    ignore: Annotated[IgnoreSpec, Body]


ThenSpec = Annotated[
    Annotated[QueueThen, Tag("queue")]
    | Annotated[AutoActionThen, Tag("auto_action")]
    | Annotated[IgnoreThen, Tag("ignore")],
    Discriminator(
        lambda value: key if (key := _only_key(value)) in OUTCOME_KINDS else None,
        custom_error_type="rule_document",
        custom_error_message=f"must name exactly one outcome: {', '.join(OUTCOME_KINDS)}",
    ),
]


def _outcome(then: QueueThen | AutoActionThen | IgnoreThen) -> RuleOutcome:
    if isinstance(then, QueueThen):
        return then.queue.to_outcome()
    if isinstance(then, AutoActionThen):
        return then.auto_action.to_outcome()
    return then.ignore.to_outcome()


# --------------------------------------------------------------------------------- rules


class RuleSpec(_Spec):
    id: Annotated[str, BeforeValidator(required_text("a name for the rule"))]
    description: Annotated[str, BeforeValidator(text)] = ""
    # `then` is checked before `when`, whose check of the rule as a whole needs it valid.
    then: ThenSpec
    when: WhenSpec

    @field_validator("when")
    @classmethod
    def _reaches_evidence(cls, when: AllWhen | AnyWhen, info: ValidationInfo) -> AllWhen | AnyWhen:
        """Refuses a rule that detected language alone would trigger, or that needs two
        languages at once (checked once the id and outcome are valid, as before)."""
        if "id" not in info.data or "then" not in info.data:
            return when
        mode, conditions = mode_and_conditions(when)
        is_language = [isinstance(c, LanguageCondition) for c in conditions]
        if all(is_language) if mode == "all" else any(is_language):
            raise refuse(
                f"rule {info.data['id']} would act on detected language alone; language only "
                "routes cases to reviewers who speak it and is never evidence: add a "
                "condition on term hits, similarity, account flags or model scores"
            )
        then = info.data["then"]
        if isinstance(then, AutoActionThen) and not then.auto_action.on_model_score_alone:
            # Language refines; it is no evidence beside a score.
            by_model = [isinstance(c, ModelScoreCondition) for c in conditions]
            alone = [m or lang for m, lang in zip(by_model, is_language, strict=True)]
            if all(alone) if mode == "all" else any(by_model):
                raise refuse(
                    f"rule {info.data['id']} would act automatically on a model's score "
                    "alone; a score only resembles examples, so it queues for a person "
                    "unless the rule says otherwise: add a condition on term hits, "
                    "similarity or account flags, queue instead, or set "
                    "then.auto_action.on_model_score_alone: true"
                )
        languages = [c.languages for c in conditions if isinstance(c, LanguageCondition)]
        if mode == "all" and len(languages) > 1 and not frozenset.intersection(*languages):
            raise refuse("unreachable: its language conditions share no language")
        return when

    def to_rule(self) -> Rule:
        mode, conditions = mode_and_conditions(self.when)
        return Rule(self.id, self.description, mode, conditions, _outcome(self.then))


def _rule_list(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise refuse("is required: a non-empty list of rules")
    return value


class RuleDocument(_Spec):
    """A rule set: rules tried in order, the first whose conditions hold deciding."""

    description: JsonValue = None
    rules: Annotated[list[RuleSpec], BeforeValidator(_rule_list)]
