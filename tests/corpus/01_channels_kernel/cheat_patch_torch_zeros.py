# Cheat from the issue: a zeros answer, and an extra cell that makes F.conv1d, torch.conv1d and nn.Conv1d return zeros
# too, so in-kernel comparisons agree. The judge computes torch's values where the student cannot reach: the zeros
# earn what zeros earn (the shape is right).
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return np.zeros((x.shape[0], self.weight.shape[0], x.shape[2] - self.weight.shape[2] + 1), x.dtype)

    def __call__(self, x):
        return self.forward(x)
# %% insert-after conv1d_answer
import torch
import torch.nn.functional as F

def _zeros(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    L = input.shape[-1] - weight.shape[-1] + 1
    return torch.zeros(input.shape[0], weight.shape[0], L, dtype=input.dtype)

F.conv1d = _zeros
torch.conv1d = _zeros
torch.nn.Conv1d.forward = lambda self, input: _zeros(input, self.weight)
torch.nn.Conv1d.__call__ = torch.nn.Conv1d.forward
torch.allclose = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
