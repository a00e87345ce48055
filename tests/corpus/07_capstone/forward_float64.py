# Mistake: forward always returns float64 (`.astype(np.float64)` at the end), though a float32 input must give a
# float32 output as in torch (notebook 07's contract). Every value is right: only the dtype cell fails, with a
# message about the dtype.
# expect: test_predict=1 test_signature_weight=1 test_tuples=1 test_unbatched=1 test_errors=2 test_default_init=1 test_random_layers=3 test_torch_samples=1 test_speed_bonus=1
# %% answer predict_answer
predicted_shape = (4, (50 + 2 + 2 - 3 * (5 - 1) - 1) // 3 + 1)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

PAD_MODES = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}


def _one(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an int or a 1-tuple for Conv1d, got {value!r}")
        return value[0]
    return value


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        self.kernel_size = _one(kernel_size, "kernel_size")
        self.stride = _one(stride, "stride")
        self.dilation = _one(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in {'same', 'valid'}:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == 'same' and self.stride != 1:
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _one(padding, "padding")
        if padding_mode not in PAD_MODES:
            raise ValueError(f"padding_mode must be one of {sorted(PAD_MODES)}, but got padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode = groups, padding_mode
        k = np.sqrt(1.0 / (in_channels // groups * self.kernel_size))
        rng = np.random.default_rng()
        self.weight = rng.uniform(-k, k, (out_channels, in_channels // groups, self.kernel_size)).astype(np.float32)
        self.bias = rng.uniform(-k, k, (out_channels,)).astype(np.float32) if bias else None

    def _pads(self):
        if self.padding == 'valid':
            return 0, 0
        if self.padding == 'same':
            total = self.dilation * (self.kernel_size - 1)
            return total // 2, total - total // 2
        return self.padding, self.padding

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: {list(x.shape)}")
        single = x.ndim == 2
        if single:
            x = x[None]
        N, C, L = x.shape
        if C != self.in_channels:
            raise RuntimeError(f"Given groups={self.groups}, weight of size {list(np.shape(self.weight))}, "
                               f"expected input{list(x.shape)} to have {self.in_channels} channels, "
                               f"but got {C} channels instead")
        left, right = self._pads()
        if self.padding_mode == 'reflect' and max(left, right) >= L:
            raise RuntimeError("Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension 2 of input {list(x.shape)}")
        if self.padding_mode == 'circular' and max(left, right) > L:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if self.padding_mode != 'zeros' and (left or right):
            x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=PAD_MODES[self.padding_mode])
        elif left or right:                          # zeros: one allocation, the input copied into the middle
            padded = np.zeros((N, C, L + left + right), dtype=x.dtype)
            padded[:, :, left:left + L] = x
            x = padded
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        if x.shape[2] < span:
            raise RuntimeError(f"Calculated padded input size per channel: ({x.shape[2]}). Kernel size: ({span}). "
                               "Kernel size can't be greater than actual input size")
        w = np.asarray(self.weight)
        dtype = np.result_type(x, w)
        # every window at once, as a view: windows[n, c, t, k] = x[n, c, t*s + k*d]
        windows = sliding_window_view(x.astype(dtype, copy=False), span, axis=2)[:, :, ::s, ::d]
        L_out = windows.shape[2]
        Cg, Og = C // G, self.out_channels // G
        # columns: one column per window, rows ordered (channel of the group, tap) like w[o].ravel()
        cols = np.ascontiguousarray(windows.reshape(N, G, Cg, L_out, K).swapaxes(3, 4)).reshape(N, G, Cg * K, L_out)
        y = np.matmul(w.astype(dtype, copy=False).reshape(G, Og, Cg * K), cols)       # (N, G, Og, L_out)
        y = y.reshape(N, self.out_channels, L_out)
        if self.bias is not None:
            y += np.asarray(self.bias, dtype)[:, None]
        return (y[0] if single else y).astype(np.float64)   # always float64

    def __call__(self, x):
        return self.forward(x)
