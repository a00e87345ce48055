# Correct: one gather with an index array pads every mode, then strided sliding windows and one einsum.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_padding_zeros=2 test_padding_valid_same=2 test_same_stride_raises=1 test_padding_reflect=1 test_padding_replicate=1 test_padding_circular=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return int((L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if isinstance(padding, str) and padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.padding_mode = stride, padding, padding_mode
        k = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-k, k, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        L, K = x.shape[-1], self.kernel_size
        p = self.padding
        left, right = {"valid": (0, 0), "same": ((K - 1) // 2, K - 1 - (K - 1) // 2)}.get(p, None) \
            if isinstance(p, str) else (p, p)
        i = np.arange(-left, L + right)                    # padded position -> input position
        inside = (i >= 0) & (i < L)
        idx = {"zeros": np.clip(i, 0, L - 1),
               "replicate": np.clip(i, 0, L - 1),
               "circular": i % L,
               "reflect": (L - 1) - np.abs((L - 1) - np.abs(i))}[self.padding_mode]
        xp = x[..., idx]
        if self.padding_mode == "zeros":
            xp = xp * inside
        windows = sliding_window_view(xp, K, axis=-1)[:, :, ::self.stride]   # (N, C_in, L_out, K)
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
