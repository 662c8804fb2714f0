class ApprovalError(Exception):
    """A decision or routing step cannot happen; the message is for the person."""


class NotYourDecision(ApprovalError):
    """The person is not the assigned decider (nor covering for them)."""


class DecisionIncomplete(ApprovalError):
    """The decision lacks what it must hold; ``problems`` maps each field to why."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class DslLogIncomplete(ApprovalError):
    """An entry of the DSL's log lacks what it must hold; ``problems`` maps each field to why."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems
