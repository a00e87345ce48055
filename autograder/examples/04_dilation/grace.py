# Correct: index arrays do it all: one gather pads every mode, a (L_out, K) table of positions
# t * stride + k * dilation picks the taps, one einsum sums over channels and taps.
# expect: test_predict=1 test_causal=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_dilation_values=2 test_dilation_with_padding_stride=2
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer causal_answer
predicted_receptive_field = 1 + (3 - 1) * sum([1, 2, 4, 8])
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return len(range(0, L_in + 2 * padding - span + 1, stride))     # the window starts
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 padding_mode='zeros'):
        if isinstance(padding, str) and padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.padding_mode = stride, padding, dilation, padding_mode
        k = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-k, k, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        L, K, s, d = x.shape[-1], self.kernel_size, self.stride, self.dilation
        p = self.padding
        if isinstance(p, str):
            total = 0 if p == "valid" else d * (K - 1)
            left, right = total // 2, total - total // 2
        else:
            left = right = p
        i = np.arange(-left, L + right)                       # padded position -> input position
        idx = {"zeros": np.clip(i, 0, L - 1),
               "replicate": np.clip(i, 0, L - 1),
               "circular": i % L,
               "reflect": (L - 1) - np.abs((L - 1) - np.abs(i))}[self.padding_mode]
        xp = x[..., idx]
        if self.padding_mode == "zeros":
            xp = xp * ((i >= 0) & (i < L))
        L_out = (xp.shape[-1] - d * (K - 1) - 1) // s + 1
        taps = np.arange(L_out)[:, None] * s + np.arange(K)[None, :] * d     # (L_out, K)
        return np.einsum("nctk,ock->not", xp[..., taps], self.weight)

    def __call__(self, x):
        return self.forward(x)
