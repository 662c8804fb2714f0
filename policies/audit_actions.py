"""The audit actions of the policy, its acknowledgements, training and the permitted ways
to communicate."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Policies and training")

POLICY_PUBLISHED = actions.add("policy.published", "Policy version published")
POLICY_ACKNOWLEDGED = actions.add("policy.acknowledged", "Policy acknowledged")
POLICY_REVIEW_REMINDED = actions.add("policy.review_reminded", "Policy review reminder sent")
POLICY_CHANNELS_CHANGED = actions.add(
    "policy.channels_changed", "Permitted ways to communicate changed"
)
TRAINING_RECORDED = actions.add("training.recorded", "Training recorded")
TRAINING_EVIDENCE_VIEWED = actions.add("training.evidence_viewed", "Training evidence opened")
