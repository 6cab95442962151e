"""明察暗访: campaigns, target progress, findings with evidence, the field laptop menu."""
