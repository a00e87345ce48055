# Hostile (issue 26): a forward that never returns. It is stopped by the student's own time limit in the first
# test cell that calls it (test_tuples), and every later cell that would call it again is reported at once, not
# waited for again: the loop is charged once. Cells that only build the layer keep their points.
# expect: test_predict=1 test_signature_weight=1 test_tuples=0 test_unbatched=0 test_errors=0 test_default_init=1 test_random_layers=0 test_torch_samples=0 test_speed_bonus=0 test_dtype_and_views=0
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
        while True:         # never returns: stopped by its time limit, once
            pass

    def __call__(self, x):
        return self.forward(x)
