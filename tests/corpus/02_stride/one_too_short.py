# Wrong: forward drops the last window: L_out = (L_in - K) // stride, without the + 1.
# The prediction and conv1d_output_length are right; every shape and value check sees one output too few.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1
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
        L_out = (L_in - K) // s
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for t in range(L_out):
                window = x[n, :, t * s:t * s + K]            # (C_in, K)
                y[n, :, t] = np.tensordot(self.weight, window, axes=([1, 2], [0, 1]))
        return y

    def __call__(self, x):
        return self.forward(x)
