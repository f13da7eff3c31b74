"""Recognition screening: indicator sets from the pack, the decision rule, and the tools built on them."""
