# Wrong: each output reads only input channel 0 instead of summing over all input channels.
# Shapes are right; each value cell has a case with C_in > 1 (test_stride_floor's first case has
# C_in = 1 and passes, its second has C_in = 2), so all three value cells fail.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in - kernel_size) // stride + 1
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
                    for k in range(K):
                        y[n, o, t] += self.weight[o, 0, k] * x[n, 0, t * s + k]
        return y

    def __call__(self, x):
        return self.forward(x)
