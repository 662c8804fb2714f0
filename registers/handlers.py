"""The registers listen to the approvals app, inside the decision's own transaction."""

from django.dispatch import receiver

from approvals.services import decision_recorded
from registers.services import register_outcome_record


@receiver(decision_recorded, dispatch_uid="registers_record_outcome")
def record_outcome(sender, decision, **kwargs) -> None:
    register_outcome_record(decision=decision)
