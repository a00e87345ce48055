# Hostile: the answer cell never finishes (a loop at the top level). Interrupted in the kernel, stopped by the judge:
# nothing earns points, and the other students are graded.
# expect:
# %% answer predict_answer
predicted_shape = (4, 8, 28)
while True:
    pass
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    pass
