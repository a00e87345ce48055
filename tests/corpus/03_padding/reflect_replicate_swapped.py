# Wrong: 'reflect' is padded by repeating the edge and 'replicate' by mirroring (the two NumPy modes swapped).
# Only the reflect and replicate value cells use those modes; the shape cell's hidden cases use them too, but
# both fills have the same length, so it still scores.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_padding_zeros=2 test_padding_valid_same=2 test_same_stride_raises=1 test_padding_circular=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    L_padded = L_in + 2 * padding
    return (L_padded - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NUMPY_MODE = {
    "zeros": "constant",
    "reflect": "edge",        # "repeat the edge value"
    "replicate": "reflect",   # "mirror the input"
    "circular": "wrap",
}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.padding_mode = stride, padding, padding_mode
        b = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-b, b, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.kernel_size
        if self.padding == "valid":
            pad = (0, 0)
        elif self.padding == "same":
            pad = ((K - 1) // 2, (K - 1) - (K - 1) // 2)
        else:
            pad = (self.padding, self.padding)
        xp = np.pad(x, ((0, 0), (0, 0), pad), mode=NUMPY_MODE[self.padding_mode])
        win = sliding_window_view(xp, K, axis=2)[:, :, ::self.stride, :]
        return np.einsum("nctk,ock->not", win, self.weight)

    def __call__(self, x):
        return self.forward(x)
