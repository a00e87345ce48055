# Correct: plain loops over every index, the way the formula reads; window t starts at t * stride.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1 test_output_shape=1 test_values=2 test_stride_jumps=1 test_stride_floor=1
# %% answer predict_answer
predicted_shape = (4, 8, (20 - 4) // 3 + 1)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    """L_out of Conv1d(..., kernel_size, stride) on an input of length L_in (padding, dilation: later)."""
    count = 0
    start = 0
    while start + kernel_size <= L_in:      # the window must fit
        count += 1
        start += stride
    return count
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.weight = np.random.randn(out_channels, in_channels, kernel_size)
        self.bias = None

    def forward(self, x):
        N, C_in, L_in = x.shape
        K, s = self.kernel_size, self.stride
        L_out = (L_in - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    total = 0.0
                    for c in range(C_in):
                        for k in range(K):
                            total += self.weight[o, c, k] * x[n, c, t * s + k]
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)
