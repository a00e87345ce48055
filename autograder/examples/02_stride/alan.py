# Wrong: the windows do not jump (window t starts at t, not t * stride, though L_out is right),
# and the predicted length rounds 16/3 up.
# expect: test_output_length=2 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 7)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = kernel_size, stride
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.kernel_size
        L_out = (x.shape[2] - K) // self.stride + 1
        return np.stack([np.einsum("nck,ock->no", x[:, :, t:t + K], self.weight) for t in range(L_out)], axis=2)

    def __call__(self, x):
        return self.forward(x)
