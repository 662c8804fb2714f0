"""The registers listen to the approvals app, inside the decision's own transaction."""

from django.dispatch import receiver

from approvals.services import decision_recorded, dsl_log_recorded
from registers.services import register_dsl_log_record, register_outcome_record


@receiver(decision_recorded, dispatch_uid="registers_record_outcome")
def record_outcome(sender, decision, **kwargs) -> None:
    register_outcome_record(decision=decision)


@receiver(dsl_log_recorded, dispatch_uid="registers_record_dsl_log")
def record_dsl_log(sender, entry, **kwargs) -> None:
    register_dsl_log_record(entry=entry)
