# Wrong: Conv1d accepts and stores stride but forward never uses it: it computes the stride-1 output (L_in - K + 1 windows starting at t).
# The prediction and conv1d_output_length are right; every shape or value check with stride > 1 fails.
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
        K = self.kernel_size
        L_out = L_in - K + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    y[n, o, t] = np.sum(self.weight[o] * x[n, :, t:t + K])
        return y

    def __call__(self, x):
        return self.forward(x)
