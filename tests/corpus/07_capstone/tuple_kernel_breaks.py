# Mistake: stride, padding and dilation accept 1-tuples but kernel_size=(3,) does not: the constructor crashes
# (TypeError) when it builds the weight. Every cell that builds a layer with kernel_size=(K,) fails: signature/weight,
# tuples, unbatched (its second visible case), default init, random layers. torch's samples pass K as an int.
# expect: test_predict=1 test_errors=2 test_torch_samples=1 test_speed_bonus=1 test_dtype_and_views=1
# %% answer predict_answer
predicted_shape = (4, 14)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv1d_im2col(x, w, stride=1, dilation=1, groups=1):
    """The lesson's im2col: all windows as a view, copied once into columns, one batched matmul."""
    N, C_in, L = x.shape
    C_out, C_in_g, K = w.shape
    windows = sliding_window_view(x, dilation * (K - 1) + 1, axis=2)[:, :, ::stride, ::dilation]
    L_out = windows.shape[2]
    cols = windows.reshape(N, groups, C_in_g, L_out, K).transpose(0, 1, 2, 4, 3).reshape(N, groups, C_in_g * K, L_out)
    return (w.reshape(groups, C_out // groups, C_in_g * K) @ cols).reshape(N, C_out, L_out)


def single(v):
    return v[0] if isinstance(v, (tuple, list)) else v


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        stride, dilation = single(stride), single(dilation)
        if not isinstance(padding, str):
            padding = single(padding)
        if groups < 1:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str) and padding not in ('same', 'valid'):
            raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ('zeros', 'reflect', 'replicate', 'circular'):
            raise ValueError(f"padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], "
                             f"but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size)).astype(np.float32)
        self.bias = np.random.uniform(-bound, bound, out_channels).astype(np.float32) if bias else None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: {list(x.shape)}")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
        N, C_in, L_in = x.shape
        if C_in != self.in_channels:
            raise RuntimeError(f"expected input{list(x.shape)} to have {self.in_channels} channels, "
                               f"but got {C_in} channels instead")
        K, d = self.kernel_size, self.dilation
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2
            right = d * (K - 1) - left
        else:
            left = right = self.padding
        if self.padding_mode == 'reflect' and max(left, right) >= L_in:
            raise RuntimeError(f"Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension 2 of input {list(x.shape)}")
        if self.padding_mode == 'circular' and max(left, right) > L_in:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        if left or right:
            if mode == 'constant':                       # faster than np.pad: one zero array, x copied in
                xp = np.zeros((N, C_in, L_in + left + right), x.dtype)
                xp[:, :, left:left + L_in] = x
                x = xp
            else:
                x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        if x.shape[2] < d * (K - 1) + 1:
            raise RuntimeError(f"Calculated padded input size per channel: ({x.shape[2]}). "
                               f"Kernel size: ({d * (K - 1) + 1}). Kernel size can't be greater than actual input size")
        w = np.asarray(self.weight, dtype=np.result_type(x, self.weight))
        y = conv1d_im2col(x.astype(w.dtype, copy=False), w, self.stride, d, self.groups)
        if self.bias is not None:
            y += self.bias[:, None].astype(y.dtype)
        if unbatched:
            y = y[0]
        return y

    def __call__(self, x):
        return self.forward(x)
