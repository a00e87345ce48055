# Wrong: the kernel is reversed (true convolution) instead of torch's cross-correlation.
# Shapes are right, so the prediction, the length function, the signature and the shape cell score;
# every value check uses K >= 2 with random weights and fails.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride = stride
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)[:, :, ::self.stride]
        flipped = self.weight[:, :, ::-1]          # convolution flips the kernel
        return np.einsum("nctk,ock->not", windows, flipped)

    def __call__(self, x):
        return self.forward(x)
