"""The audit actions of the policy, its acknowledgements, training, the permitted ways
to communicate and the rule on gifts."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Policies and training")

POLICY_PUBLISHED = actions.add("policy.published", "Policy version published")
POLICY_ACKNOWLEDGED = actions.add("policy.acknowledged", "Policy acknowledged")
POLICY_REVIEW_REMINDED = actions.add("policy.review_reminded", "Policy review reminder sent")
POLICY_CHANNELS_CHANGED = actions.add(
    "policy.channels_changed", "Permitted ways to communicate changed"
)
POLICY_GIFT_RULE_CHANGED = actions.add("policy.gift_rule_changed", "Rule on gifts changed")
POLICY_GIFT_RULE_REFUSED = actions.add(
    "policy.gift_rule_refused", "Change to the rule on gifts refused"
)
TRAINING_RECORDED = actions.add("training.recorded", "Training recorded")
TRAINING_EVIDENCE_VIEWED = actions.add("training.evidence_viewed", "Training evidence opened")
