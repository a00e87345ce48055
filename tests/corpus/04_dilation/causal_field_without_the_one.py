# Wrong: the receptive field of the causal stack counts only the steps back, (K−1)·Σ d_l = 30, and forgets
# the output's own position x[t]; the shape prediction is right, the exercises are left unanswered.
# expect: test_predict=1
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer causal_answer
predicted_receptive_field = (3 - 1) * (1 + 2 + 4 + 8)
