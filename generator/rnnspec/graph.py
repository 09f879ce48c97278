# TEMPORARY shim while the docs are moved to the one plan; deleted before commit.
from .plan import BlockPlan, Bridge, InputPlan, in_model  # noqa: F401
from .plan import ModelPlan as GraphPlan  # noqa: F401
from .plan import make_plan as make_graph_plan  # noqa: F401
