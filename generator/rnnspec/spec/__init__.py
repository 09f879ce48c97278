"""Spec: the user's words. Pydantic models of each key (models.py, around.py,
attention.py, training.py, decoding.py), the values and limits they accept, the located
error a reader raises (problems.py), and `normalise`: either form as one `ModelSpec`.
Nothing here knows how a model is checked across keys or planned."""
