"""Check: every rule across keys and blocks, with the key path it is about (`RuleError`),
and what the rules compute on the way: each block's stacks, shapes and hand-overs
(stack.py, shapes.py, handover.py, wiring.py), attention's, training's and decoding's
plans. `Spec` and `GraphSpec` (checked.py) run the rules as their validators, once, and
keep what they computed (`Checked`) for the plan."""
