# Wrong: forward computes only sample 0 of the batch and leaves the other samples at zero.
# Shapes are right; each value cell has an N > 1 case (test_stride_floor's first case has N = 1
# and passes, its second has N = 2), so all three value cells fail.
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
        sample = x[0]                                # (C_in, L_in)
        for o in range(self.out_channels):
            for t in range(L_out):
                y[0, o, t] = np.sum(self.weight[o] * sample[:, t * s:t * s + K])
        return y

    def __call__(self, x):
        return self.forward(x)
